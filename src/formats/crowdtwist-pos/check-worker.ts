/**
 * The check worker's thread: reads one batch file as strict UTF-8, splits `pos_data` into
 * elements and checks each by itself, and posts them to the store side in batches. It never
 * touches the database: the file's one transaction stays on the main thread. At most
 * `MAX_AHEAD` batches are in flight, so a slow store keeps the worker (and memory) in step.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FileRejected } from '../../core/errors.js';
import { readUtf8 } from '../../fs/read-utf8.js';
import { checkElement, type CheckedElement } from './check-element.js';
import { MAX_AHEAD, type CheckJob, type WorkerMessage } from './check-messages.js';
import { PosDataReader } from './pos-data-reader.js';

const port = parentPort;
if (!port) throw new Error('check-worker.js runs only as a worker thread');
const job = workerData as CheckJob;

let ahead = 0;
let credit: (() => void) | undefined;
port.on('message', () => {
  ahead -= 1;
  credit?.();
  credit = undefined;
});

const post = (message: WorkerMessage) => port.postMessage(message);

async function send(batch: CheckedElement[]): Promise<void> {
  if (batch.length === 0) return;
  ahead += 1;
  post({ kind: 'batch', elements: batch });
  while (ahead >= MAX_AHEAD) await new Promise<void>((resolve) => (credit = resolve));
}

try {
  let batch: CheckedElement[] = [];
  const reader = new PosDataReader(job.limits, (element) => batch.push(checkElement(element)));
  await readUtf8(job.source, async (text) => {
    reader.push(text);
    const full = batch;
    batch = [];
    await send(full);
  });
  reader.end();
  await send(batch);
  post({ kind: 'end' });
} catch (err) {
  const rejected = err instanceof FileRejected ? { code: err.code, details: err.details } : {};
  post({ kind: 'error', ...rejected, message: err instanceof Error ? err.message : String(err), stack: err instanceof Error ? err.stack : undefined });
}
