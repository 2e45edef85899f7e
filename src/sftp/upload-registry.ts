/**
 * What all sessions of the server share about uploads: which names are being written right now
 * (one writer per name), and which were just delivered (a client may still STAT or SETSTAT them
 * right after CLOSE, when the daemon may already have taken them out of the inbox).
 */
import type { UploadArea } from '../data-layout.js';

export interface DeliveredUpload {
  size: number;
  mtime: Date;
}

export function uploadKey(partner: string, area: UploadArea, name: string): string {
  return `${partner}/${area}/${name}`;
}

export class UploadRegistry {
  private readonly active = new Set<string>();
  private readonly recent = new Map<string, DeliveredUpload & { until: number }>();

  constructor(
    private readonly keepRecentMs: number,
    private readonly now: () => Date,
  ) {}

  /** Reserves `key` for one writer; false when another session writes it. */
  claim(key: string): boolean {
    if (this.active.has(key)) return false;
    this.active.add(key);
    return true;
  }

  release(key: string): void {
    this.active.delete(key);
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  delivered(key: string, upload: DeliveredUpload): void {
    this.prune();
    this.recent.set(key, { ...upload, until: this.now().getTime() + this.keepRecentMs });
  }

  recentlyDelivered(key: string): DeliveredUpload | undefined {
    const entry = this.recent.get(key);
    if (!entry) return undefined;
    if (entry.until < this.now().getTime()) {
      this.recent.delete(key);
      return undefined;
    }
    return entry;
  }

  forget(key: string): void {
    this.recent.delete(key);
  }

  private prune(): void {
    const now = this.now().getTime();
    for (const [key, entry] of this.recent) if (entry.until < now) this.recent.delete(key);
  }
}
