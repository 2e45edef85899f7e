/**
 * What a partner may park in the spool, and the disk's floor. Unfinished uploads and files under
 * temporary names (`*.tmp`, `*.filepart`) stay in the spool until they complete, are renamed or
 * expire (a day by default); without a cap a partner could fill the disk with them. The spool is
 * counted on disk at each OPEN for writing (a few synchronous lstat calls, as the view does), and
 * the uploads in flight by what they have written since, so that several sessions of one partner
 * share one allowance. Below `min_free_disk_bytes` every upload is refused, before the disk is
 * full rather than at it.
 */
import { lstatSync, readdirSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { Refusal } from './refusal.js';
import { formatBytes } from '../delivery/refusal.js';

export interface SpoolLimits {
  maxBytes: number;
  maxFiles: number;
  minFreeBytes: number;
}

/** Room an upload in flight holds in the spool; it asks before it grows. */
export interface SpaceClaim {
  /** Asks for `bytes` more: a refusal for the partner, or undefined when granted. */
  grow(bytes: number): Refusal | undefined;
  /** The upload ended (delivered, abandoned, discarded): its file is counted on disk again. */
  release(): void;
}

/** Why an upload was refused, for metrics. */
export type SpaceRefusal = 'spool_bytes' | 'spool_files' | 'disk_floor';

/** How long one reading of the disk's free space is trusted. */
const FREE_SPACE_TTL_MS = 1000;

/** The disk's free space for unprivileged writers, read at most once a second. */
export class FreeSpace {
  private readAt = -Infinity;
  private free = Infinity;

  constructor(private readonly dir: string) {}

  bytes(): number {
    const now = performance.now();
    if (now - this.readAt > FREE_SPACE_TTL_MS) {
      this.readAt = now;
      try {
        const stats = statfsSync(this.dir);
        this.free = stats.bavail * stats.bsize;
      } catch {
        this.free = Infinity; // the folder went missing: the write itself will say what is wrong
      }
    }
    return this.free;
  }
}

export interface SpoolQuotaOptions {
  /** The partner's spool folders (inbox, validate). */
  dirs: readonly string[];
  limits: () => SpoolLimits;
  free: FreeSpace;
  onRefused: (why: SpaceRefusal) => void;
}

interface Claim extends SpaceClaim {
  file: string;
  held: number;
}

/** One partner's spool allowance, shared by all its sessions. */
export class SpoolQuota {
  private readonly claims = new Set<Claim>();
  /** Bytes on disk of the files no upload in flight holds, as of the last OPEN. */
  private settled = 0;

  constructor(private readonly options: SpoolQuotaOptions) {}

  /**
   * Claims room for an upload to `file` (a spool path), refusing it when the partner's spool
   * holds too many files already or the disk is at its floor. `truncate`: the file starts empty.
   */
  claim(file: string, truncate: boolean): SpaceClaim {
    const { maxFiles, minFreeBytes } = this.options.limits();
    const claimed = new Set([...this.claims].map((claim) => claim.file));
    const onDisk = this.scan();
    this.settled = 0;
    for (const [name, size] of onDisk) if (!claimed.has(name) && name !== file) this.settled += size;
    if (!onDisk.has(file) && onDisk.size >= maxFiles) {
      throw this.refuse(
        'spool_files',
        `${onDisk.size} unfinished uploads and files under temporary names are waiting, the most allowed (${maxFiles}); finish, rename or remove some first`,
      );
    }
    if (this.options.free.bytes() < minFreeBytes) throw this.refuse('disk_floor', DISK_FLOOR);
    const claim: Claim = {
      file,
      held: truncate ? 0 : (onDisk.get(file) ?? 0),
      grow: (bytes) => this.grow(claim, bytes),
      release: () => this.claims.delete(claim),
    };
    this.claims.add(claim);
    return claim;
  }

  private grow(claim: Claim, bytes: number): Refusal | undefined {
    const { maxBytes, minFreeBytes } = this.options.limits();
    let used = this.settled;
    for (const other of this.claims) used += other.held;
    if (used + bytes > maxBytes) {
      return this.refuse(
        'spool_bytes',
        `unfinished uploads and files under temporary names would take more than ${formatBytes(maxBytes)}; finish, rename or remove some first`,
      );
    }
    if (this.options.free.bytes() - bytes < minFreeBytes) return this.refuse('disk_floor', DISK_FLOOR);
    claim.held += bytes;
    return undefined;
  }

  private refuse(why: SpaceRefusal, message: string): Refusal {
    this.options.onRefused(why);
    return new Refusal('failure', message);
  }

  /** Every file in the partner's spool folders and its size. */
  scan(): Map<string, number> {
    const files = new Map<string, number>();
    for (const dir of this.options.dirs) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue; // not made yet: nothing in it
      }
      for (const name of names) {
        const file = path.join(dir, name);
        const stats = lstatSync(file, { throwIfNoEntry: false });
        if (stats?.isFile()) files.set(file, stats.size);
      }
    }
    return files;
  }
}

const DISK_FLOOR = "the server's disk is nearly full: uploads are refused until space is freed; try again later";
