/**
 * A file sent over the API, from body to answer: delivered into the partner's inbox the one way
 * every upload takes, then waited on until the intake has its final row. What the partner is
 * told comes from that row and the answer files written for it, never from a guess.
 */
import { looksTemporary, uploadNameProblem } from '../core/safe-name.js';
import { deliverStream, type Delivery } from '../delivery/deliver.js';
import type { FileRecord } from '../store/files.js';
import type { Partner } from '../store/partners.js';
import { ApiRefusal } from './answers.js';
import type { ApiContext } from './context.js';

export type Outcome = { final: true; record: FileRecord } | { final: false; name: string; sha256: string };

/** A 400 unless `name` may be a file's name in an inbox. */
export function checkUploadName(name: string): void {
  const problem = uploadNameProblem(name) ?? (looksTemporary(name) ? 'the name looks like a temporary file and would never be taken' : undefined);
  if (problem) throw new ApiRefusal(400, 'name_invalid', `the file name ${JSON.stringify(name)} cannot be used: ${problem}`);
}

/** Delivers the body as `name`, then waits up to `api.result_wait_seconds` for its final row. */
export async function deliverAndWait(
  ctx: ApiContext,
  partner: Partner,
  name: string,
  body: Delivery['body'],
  senderOptions?: Record<string, unknown>,
): Promise<Outcome> {
  const wait = AbortSignal.timeout(ctx.config.result_wait_seconds * 1000);
  const spooled = await deliverStream(ctx.layout, { partner: partner.id, area: 'inbox', name, maxBytes: ctx.backend.uploadLimit(partner), body, waitForName: wait });
  ctx.log.info('api.file_delivered', { partner: partner.id, file: name, size: spooled.size });
  try {
    const delivered = { partner: partner.id, area: 'inbox' as const, name, sha256: spooled.sha256, via: 'http' as const };
    const record = await ctx.backend.submit(senderOptions ? { ...delivered, senderOptions } : delivered, wait);
    return { final: true, record };
  } catch (err) {
    if (wait.aborted) return { final: false, name, sha256: spooled.sha256 };
    throw err;
  }
}

/** The row of these bytes when it is final (processed, rejected or failed), else undefined. */
export function finalRow(ctx: ApiContext, partner: string, name: string, sha256: string): FileRecord | undefined {
  const record = ctx.backend.findFile(partner, name, sha256);
  return record && ['processed', 'rejected', 'failed'].includes(record.state) ? record : undefined;
}

/** A 500 for a file that failed on posdrop's side: the partner may send it again, nothing is lost. */
export function failedRefusal(): ApiRefusal {
  return new ApiRefusal(500, 'failed', 'the file could not be processed because of a fault on the server; it is kept and tried again');
}
