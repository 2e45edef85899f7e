/**
 * A file sent over the API, from body to answer: delivered into the partner's inbox the one way
 * every upload takes, then waited on until the intake has its final row. What the partner is
 * told comes from that row and the answer files written for it, never from a guess.
 */
import { looksTemporary, uploadNameProblem } from '../core/safe-name.js';
import { deliverStream, type Delivery } from '../delivery/deliver.js';
import { DeliveryRefusal, tooLarge } from '../delivery/refusal.js';
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

/**
 * Delivers the body as `name`, then waits up to `api.result_wait_seconds` for its final row.
 * Refused before any byte is kept when the name alone decides it (a 400 with the reason the
 * SFTP server would give) or when the body passes the upload limit (a 413); either refusal is
 * recorded and answered in /outbox as well, like the same refusal over SFTP.
 */
export async function deliverAndWait(
  ctx: ApiContext,
  partner: Partner,
  name: string,
  body: Delivery['body'],
  senderOptions?: Record<string, unknown>,
): Promise<Outcome> {
  const verdict = await ctx.backend.screenName(partner.id, name);
  if (verdict) {
    discard(body);
    await ctx.backend.refuseUpload(partner.id, { name, size: 0, reason: { code: verdict.code, message: verdict.message }, format: verdict.format });
    ctx.log.info('api.upload_refused', { partner: partner.id, file: name, reason_code: verdict.code, reason: verdict.message });
    throw new ApiRefusal(400, verdict.code, verdict.message);
  }
  const wait = AbortSignal.timeout(ctx.config.result_wait_seconds * 1000);
  const maxBytes = ctx.backend.uploadLimit(partner);
  let spooled;
  try {
    spooled = await deliverStream(ctx.layout, { partner: partner.id, area: 'inbox', name, maxBytes, body, waitForName: wait });
  } catch (err) {
    const received = receivedOverLimit(err, maxBytes);
    if (received !== undefined) {
      const { message } = tooLarge(name, maxBytes);
      await ctx.backend.refuseUpload(partner.id, { name, size: received, reason: { code: 'oversize', message } });
      ctx.log.warn('api.upload_refused', { partner: partner.id, file: name, reason_code: 'oversize', reason: message });
    }
    throw err;
  }
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

/** Reads what is left of a refused body and drops it, so that the answer can be read by the sender. */
function discard(body: Delivery['body']): void {
  void (async () => {
    for await (const _chunk of body) {
      // dropped
    }
  })().catch(() => undefined);
}

/** Bytes received when `err` refused a body past the limit (posdrop's own check, or the form reader's), else undefined. */
function receivedOverLimit(err: unknown, maxBytes: number): number | undefined {
  if (err instanceof DeliveryRefusal) return err.kind === 'too_large' ? err.received : undefined;
  return (err as { code?: unknown } | null)?.code === 'FST_REQ_FILE_TOO_LARGE' ? maxBytes + 1 : undefined;
}

/** The row of these bytes when it is final (processed, rejected or failed), else undefined. */
export async function finalRow(ctx: ApiContext, partner: string, name: string, sha256: string): Promise<FileRecord | undefined> {
  const record = await ctx.backend.findFile(partner, name, sha256);
  return record && ['processed', 'rejected', 'failed'].includes(record.state) ? record : undefined;
}

/** A 500 for a file that failed on posdrop's side: the partner may send it again, nothing is lost. */
export function failedRefusal(): ApiRefusal {
  return new ApiRefusal(500, 'failed', 'the file could not be processed because of a fault on the server; it is kept and tried again');
}
