import type { DataLayout } from '../data-layout.js';
import { ensureDir } from './durable.js';

/** Creates a partner's inbox, validate, outbox and spool folders (idempotent). */
export async function ensurePartnerFolders(layout: DataLayout, partner: string): Promise<void> {
  for (const area of ['inbox', 'validate', 'outbox'] as const) await ensureDir(layout.areaDir(partner, area));
  for (const area of ['inbox', 'validate'] as const) await ensureDir(layout.spoolDir(partner, area));
}
