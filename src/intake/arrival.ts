/**
 * A file found in an inbox whose identity (partner, name, sha256) the ledger knows: the same file
 * found again (a rescan, a restart, a crash before its archive), to resume from its state, or a
 * new arrival of the same bytes (a resend over SFTP, a copy dropped in), to take as a new file.
 * Pure: the ledger row and its format's dedupe rules decide.
 */
import type { FormatDedupe } from '../formats/types.js';
import type { FileRecord } from '../store/files.js';

/**
 * True when `known` is not the file in the inbox but an earlier arrival of its bytes: its
 * original has left the inbox, and taking the bytes anew is what the format says of a file sent
 * again (PBJ: a name is accepted once, so it is answered "already uploaded"; Carma: append-only,
 * so it is imported again), or `known` was withdrawn before anything of it was processed.
 * Otherwise (CrowdTwist, Client Toolbox, a name refused) the same bytes are the same file, and
 * it gets its answer again without being processed twice.
 */
export function isNewArrival(known: FileRecord, dedupe: FormatDedupe | undefined): boolean {
  if (known.leftInboxAt === null) return false;
  if (known.reasonCode === 'withdrawn') return true;
  return dedupe !== undefined && (dedupe.namesOnce || dedupe.appendOnly);
}

/** The history line of a new arrival that repeats an earlier file's bytes. */
export function arrivalDetail(earlier: FileRecord): string {
  return `the same bytes as file ${earlier.id} (${earlier.state}), sent again after that file left the inbox`;
}
