/**
 * Every partner's spool allowance (spool-quota.ts), one per partner for all its sessions, with
 * the counts the metrics show: refusals by reason, the disk's free space, what each partner's
 * spool holds.
 */
import { readdirSync } from 'node:fs';
import type { SftpConfig } from '../config/schema.js';
import type { DataLayout } from '../data-layout.js';
import type { Log } from '../log.js';
import { FreeSpace, SpoolQuota, type SpaceRefusal } from './spool-quota.js';

/** What one partner's spool holds: unfinished uploads and files under temporary names. */
export interface SpoolUsage {
  bytes: number;
  files: number;
}

export class SpoolQuotas {
  readonly refusals: Record<SpaceRefusal, number> = { spool_bytes: 0, spool_files: 0, disk_floor: 0 };
  private readonly quotas = new Map<string, SpoolQuota>();
  private readonly free: FreeSpace;

  constructor(
    private readonly layout: DataLayout,
    private readonly config: SftpConfig,
    private readonly log: Log,
  ) {
    this.free = new FreeSpace(layout.root);
  }

  /** The partner's allowance, made on first use. */
  of(partner: string): SpoolQuota {
    let quota = this.quotas.get(partner);
    if (!quota) {
      const { layout, config } = this;
      quota = new SpoolQuota({
        dirs: [layout.spoolDir(partner, 'inbox'), layout.spoolDir(partner, 'validate')],
        limits: () => ({ maxBytes: config.spool_quota_bytes, maxFiles: config.spool_quota_files, minFreeBytes: config.min_free_disk_bytes }),
        free: this.free,
        onRefused: (why) => {
          this.refusals[why] += 1;
          this.log.warn('sftp.upload_refused', { partner, why });
        },
      });
      this.quotas.set(partner, quota);
    }
    return quota;
  }

  /** Free space on the data folder's disk, as last read (at most a second ago). */
  freeBytes(): number {
    return this.free.bytes();
  }

  /** What every partner's spool holds, read from the disk now (a scrape's worth of lstat calls). */
  usage(): Map<string, SpoolUsage> {
    const usage = new Map<string, SpoolUsage>();
    let partners: string[];
    try {
      partners = readdirSync(this.layout.spoolRoot);
    } catch {
      return usage;
    }
    for (const partner of partners) {
      const files = this.of(partner).scan();
      let bytes = 0;
      for (const size of files.values()) bytes += size;
      usage.set(partner, { bytes, files: files.size });
    }
    return usage;
  }
}
