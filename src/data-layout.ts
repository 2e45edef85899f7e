/**
 * Where everything lives in the data directory (DESIGN.md section 2). Partner ids and file names
 * reach here only after `partnerIdProblem` / `fileNameProblem` accepted them.
 */
import path from 'node:path';

/** The folders a partner sees over SFTP that hold files on disk. */
export type Area = 'inbox' | 'validate' | 'outbox';
/** The folders uploads are delivered into. */
export type UploadArea = Exclude<Area, 'outbox'>;

export class DataLayout {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  get database(): string {
    return path.join(this.root, 'posdrop.db');
  }
  get defaultHostKey(): string {
    return path.join(this.root, 'keys', 'ssh_host_ed25519_key');
  }
  /** Signs the partner API's tokens; made on first start, 0600. */
  get apiTokenKey(): string {
    return path.join(this.root, 'keys', 'api-token-key');
  }
  get demoCredentials(): string {
    return path.join(this.root, 'demo-credentials.txt');
  }
  /** Written while the daemon runs: its pid and SFTP address, for `posdrop status`. */
  get runtimeFile(): string {
    return path.join(this.root, 'daemon.json');
  }
  /** `posdrop` CLI actions that change something (release, reprocess, partners, restore, undo): JSON lines. */
  get operatorLog(): string {
    return path.join(this.root, 'operator.log');
  }
  get partnersRoot(): string {
    return path.join(this.root, 'partners');
  }
  partnerDir(partner: string): string {
    return path.join(this.partnersRoot, partner);
  }
  areaDir(partner: string, area: Area): string {
    return path.join(this.partnerDir(partner), area);
  }
  /** Uploads in flight and resumable partials, never watched. */
  get spoolRoot(): string {
    return path.join(this.root, 'spool');
  }
  spoolDir(partner: string, area: UploadArea): string {
    return path.join(this.spoolRoot, partner, area);
  }
  /** Where compressed uploads' members are inflated before they are linked into an inbox (no partner id starts with a dot). */
  get unpackDir(): string {
    return path.join(this.spoolRoot, '.unpack');
  }
  /**
   * Bodies arriving over the partner API, each under a name of its own: never watched, never
   * listed over SFTP, emptied at start (an unfinished body is worth nothing).
   */
  deliverySpoolDir(partner: string): string {
    return path.join(this.spoolRoot, partner, 'api');
  }
  archiveDir(partner: string, day: string): string {
    return path.join(this.root, 'archive', partner, day);
  }
  /**
   * Where a file's original goes once its answer is final, relative to the root: the day it was
   * received, and its ledger id in front of its name, so that two files of one name never meet.
   */
  archivePathOf(file: { partner: string; receivedAt: string; id: number; name: string }): string {
    return path.join('archive', file.partner, file.receivedAt.slice(0, 10), `${file.id}-${file.name}`);
  }
}
