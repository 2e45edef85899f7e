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
 * original has left the inbox, and its format accepts a name once (PBJ: a later upload of the
 * name is answered "already uploaded", whatever its bytes), or `known` was withdrawn before
 * anything of it was processed. Otherwise the same bytes under the same name are the same file,
 * answered again and never stored twice: CrowdTwist and Client Toolbox store each record once,
 * and for Carma (append-only) the name is the import. A byte-identical upload of a name cannot
 * be told from a client sending again an upload whose success it did not hear, and appending it
 * would store every purchase twice; the same data under another name is a new import.
 */
export function isNewArrival(known: FileRecord, dedupe: FormatDedupe | undefined): boolean {
  if (known.leftInboxAt === null) return false;
  if (known.reasonCode === 'withdrawn') return true;
  return dedupe?.namesOnce === true;
}

/** The history line of a new arrival that repeats an earlier file's bytes. */
export function arrivalDetail(earlier: FileRecord): string {
  return `the same bytes as file ${earlier.id} (${earlier.state}), sent again after that file left the inbox`;
}
