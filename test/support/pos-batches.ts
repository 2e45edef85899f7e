/**
 * What the CrowdTwist tests do again and again: send a batch the way a partner does (OpenSSH
 * `sftp -b`), wait for its receipt, read answers back over SFTP, look into the database the way
 * an operator's tool would (a second, read-only connection).
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectSftp, run, sftpBatch, sftpCall } from './clients.js';
import { waitFor, type TestDaemon, type TestPartner } from './daemon.js';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/crowdtwist');

export async function fixture(name: string): Promise<string> {
  return readFile(path.join(FIXTURES, name), 'utf8');
}

/** Uploads `content` as `/inbox/<name>` with OpenSSH's sftp. */
export async function upload(daemon: TestDaemon, partner: TestPartner, name: string, content: string | Buffer): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-upload-'));
  const local = path.join(dir, name);
  await writeFile(local, content);
  const result = await sftpBatch(daemon.port, partner, [`put ${local} /inbox/${name}`]);
  if (result.code !== 0) throw new Error(`sftp put ${name} failed: ${result.stderr}`);
}

/** Waits until the receipt of `name` says `state`, and returns it. */
export function receiptWhen(daemon: TestDaemon, partner: string, name: string, state: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const receipt = await daemon.receipt(partner, name);
    return receipt.state === state ? receipt : undefined;
  }, timeoutMs);
}

/** Downloads `/outbox/<name>` with ssh2's client. */
export async function download(daemon: TestDaemon, partner: TestPartner, name: string): Promise<string> {
  const session = await connectSftp(daemon.port, partner);
  try {
    return (await sftpCall.readFile(session.sftp, `/outbox/${name}`)).toString('utf8');
  } finally {
    session.end();
  }
}

/** Runs a query on a connection of its own, on the daemon's engine (`?` placeholders). */
export function query<T = Record<string, unknown>>(daemon: TestDaemon, sql: string, ...params: unknown[]): Promise<T[]> {
  return daemon.rows<T>(sql, ...params);
}

/** Runs the real CLI (`bin/posdrop.js`, built by `npm test`) against the daemon's data directory. */
export async function cli(daemon: TestDaemon, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = path.resolve(import.meta.dirname, '../../bin/posdrop.js');
  return run(process.execPath, [bin, ...args], { env: daemon.cliEnv() });
}

/** A purchase request with sensible defaults, as a partner would write it. */
export function purchase(receiptId: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'purchase',
    data: {
      receipt_id: receiptId,
      order_id: `order-${receiptId}`,
      user_id: 46038266,
      total: 119.64,
      subtotal: 110.78,
      date_purchased: '2017-05-08T10:25:43.511+00:00',
      channel_id: 1,
      currency: 'USD',
      custom_data: { store_loc: 'store1' },
      items: [{ sku: 'sku_1', price: 21.22, quantity: 2 }],
      tenders: [{ type: 1, amount: 20 }],
      coupons: ['coupon123789'],
      ...data,
    },
  };
}

/** A batch file's text. */
export function batch(...requests: unknown[]): string {
  return `${JSON.stringify({ pos_data: requests }, null, 2)}\n`;
}
