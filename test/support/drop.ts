/** Dropping a delimited file over OpenSSH sftp and reading the answers back the same way. */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { sftpBatch } from './clients.js';
import { waitFor, type TestDaemon, type TestPartner } from './daemon.js';

const FINAL = ['processed', 'rejected', 'failed'];

/** Uploads `content` as `/<area>/<name>` with `sftp -b`; resolves with the final receipt. */
export async function drop(
  daemon: TestDaemon,
  partner: TestPartner,
  name: string,
  content: string | Buffer,
  area: 'inbox' | 'validate' = 'inbox',
): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-drop-'));
  const local = path.join(dir, name);
  await writeFile(local, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const result = await sftpBatch(daemon.port, partner, [`put ${local} /${area}/${name}`]);
  expect(result.code, result.stderr).toBe(0);
  const receiptName = area === 'validate' ? `${name}.dry-run` : name;
  return waitFor(async () => {
    const receipt = await daemon.receipt(partner.id, receiptName);
    return receipt.sha256 === sha256 && FINAL.includes(receipt.state as string) && receipt;
  }, 30_000);
}

/** Downloads `/outbox/<name>` with `sftp -b` and returns its text. */
export async function fetchOutbox(daemon: TestDaemon, partner: TestPartner, name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'posdrop-get-'));
  const local = path.join(dir, 'answer');
  const result = await sftpBatch(daemon.port, partner, [`get /outbox/${name} ${local}`]);
  expect(result.code, result.stderr).toBe(0);
  return readFile(local, 'utf8');
}

/** Downloads and parses a JSON answer. */
export async function fetchJson(daemon: TestDaemon, partner: TestPartner, name: string): Promise<unknown> {
  return JSON.parse(await fetchOutbox(daemon, partner, name)) as unknown;
}

/** Rows of an error log, each cell unquoted (every cell is quoted, quotes doubled). */
export function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  const cell = /"((?:[^"]|"")*)"(,|\r\n)/gy;
  let row: string[] = [];
  let consumed = 0;
  for (let match = cell.exec(text); match; match = cell.exec(text)) {
    consumed = cell.lastIndex;
    row.push((match[1] as string).replaceAll('""', '"'));
    if (match[2] === '\r\n') {
      rows.push(row);
      row = [];
    }
  }
  expect(consumed, 'the whole error log is quoted CSV').toBe(text.length);
  return rows;
}
