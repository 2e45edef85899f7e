/**
 * A file's downloads: its original (archived, or still in the inbox), its receipt and every
 * answer the receipt names in the outbox. A download is chosen by a key from this list, never
 * by a path from the request, and opened without following links.
 */
import { constants } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FINAL_STATES } from '../../core/file-state.js';
import type { DataLayout } from '../../data-layout.js';
import { openRegularFile } from '../../fs/regular-file.js';
import type { FileRecord } from '../../store/files.js';
import type { ConsoleServer } from './console-server.js';

/** One download of a file. */
export interface FileOutput {
  key: string;
  label: string;
  name: string;
  file: string;
}

/** A receipt is small; anything larger is not one of ours. */
const MAX_RECEIPT_BYTES = 1024 * 1024;

function receiptFile(layout: DataLayout, file: FileRecord): string {
  return path.join(layout.areaDir(file.partner, 'outbox'), `${file.name}.receipt.json`);
}

/** The file's receipt as it stands in the outbox, or null once retention deleted it. */
export async function readReceipt(layout: DataLayout, file: FileRecord): Promise<Record<string, unknown> | null> {
  const handle = await openRegularFile(receiptFile(layout, file), constants.O_RDONLY);
  if (!handle) return null;
  try {
    if ((await handle.stat()).size > MAX_RECEIPT_BYTES) return null;
    return JSON.parse(await handle.readFile('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** What can be downloaded for `file`, as far as it is known; each may since have been deleted. */
export async function fileOutputs(layout: DataLayout, file: FileRecord): Promise<FileOutput[]> {
  const outputs: FileOutput[] = [];
  if (file.archivePath) outputs.push({ key: 'original', label: 'original (archived)', name: file.name, file: path.join(layout.root, file.archivePath) });
  else if (!FINAL_STATES.has(file.state)) outputs.push({ key: 'original', label: 'original (in the inbox)', name: file.name, file: path.join(layout.areaDir(file.partner, 'inbox'), file.name) });
  const receipt = await readReceipt(layout, file);
  if (receipt) outputs.push({ key: 'receipt', label: 'receipt', name: `${file.name}.receipt.json`, file: receiptFile(layout, file) });
  const named = Array.isArray(receipt?.outputs) ? (receipt.outputs as unknown[]) : [];
  named.forEach((name, index) => {
    // Only names of this file's own answers, in its partner's outbox.
    if (typeof name !== 'string' || !name.startsWith(`${file.name}.`) || name.includes('/') || name.includes('\0')) return;
    outputs.push({ key: `answer-${index}`, label: answerLabel(name.slice(file.name.length + 1)), name, file: path.join(layout.areaDir(file.partner, 'outbox'), name) });
  });
  return outputs;
}

function answerLabel(suffix: string): string {
  if (suffix.startsWith('errors.')) return `error log (${suffix})`;
  if (suffix.startsWith('retry.')) return `retry file (${suffix})`;
  return `answer (${suffix})`;
}

/** `attachment` with the name as ASCII and in full (RFC 6266), quotes and controls removed. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerDownloads(app: FastifyInstance, console: ConsoleServer): void {
  const { read, layout, log } = console.parts;
  app.get('/console/files/:id/download/:key', async (req, reply) => {
    const params = req.params as { id: string; key: string };
    const file = /^\d{1,15}$/.test(params.id) ? await read.file(Number(params.id)) : undefined;
    if (!file) return console.problem(req, reply, 404, 'Not found', 'No file with this id.');
    const output = (await fileOutputs(layout, file)).find((one) => one.key === params.key);
    const handle = output ? await openRegularFile(output.file, constants.O_RDONLY) : undefined;
    if (!output || !handle) return console.problem(req, reply, 404, 'Gone', 'This download is not there (retention may have deleted it).');
    const { size } = await handle.stat();
    log.info('console.download', { operator: req.session?.operator?.name, file: file.id, what: output.key });
    return reply
      .header('Content-Disposition', disposition(output.name))
      .header('Content-Length', size)
      .type('application/octet-stream')
      .send(handle.createReadStream());
  });
}
