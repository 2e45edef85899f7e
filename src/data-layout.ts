/**
 * Where everything lives in the data directory (DESIGN.md section 2). Partner ids and file names
 * reach here only after `partnerIdProblem` / `fileNameProblem` accepted them.
 */
import path from 'node:path';

/** The folders a partner sees over SFTP that hold files on disk. */
export type Area = 'inbox' | 'validate' | 'outbox';
/** The folders uploads are delivered into. */
export type UploadArea = Exclude<Area, 'outbox'>;

/**
 * The data directory: shared by every node of a cluster (partners' folders, archive, keys,
 * operator log), except what one process keeps for itself — its runtime file, and its spool of
 * uploads in flight, which another node's start would clear or whose partials two nodes' sessions
 * would write at once. A node given a name keeps those under `nodes/<node>/`; without one (a
 * single server) they stay where they always were.
 */
export class DataLayout {
  readonly root: string;
  /** This node's name when it shares the data directory with others (`store.node_id`). */
  readonly node: string | undefined;

  constructor(root: string, node?: string) {
    this.root = path.resolve(root);
    // The schema's node_id allows dots: "." or ".." would put a node's files beside another's.
    if (node !== undefined && (node === '' || node === '.' || node === '..' || node.includes('/'))) {
      throw new Error(`"${node}" cannot name a node's folder in the data directory`);
    }
    this.node = node;
  }

  /** The layout a configuration names: a node of its own where `store.node_id` is set. */
  static of(config: { data_dir: string; store: { node_id: string } }): DataLayout {
    return new DataLayout(config.data_dir, config.store.node_id || undefined);
  }

  /** Where this node keeps what is its own: the root itself for a single server. */
  private get ownRoot(): string {
    return this.node === undefined ? this.root : path.join(this.root, 'nodes', this.node);
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
  /** Written while the daemon runs: its pid and SFTP address, for `posdrop status`. Per node. */
  get runtimeFile(): string {
    return path.join(this.ownRoot, 'daemon.json');
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
  /** Uploads in flight and resumable partials, never watched. Per node. */
  get spoolRoot(): string {
    return path.join(this.ownRoot, 'spool');
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
