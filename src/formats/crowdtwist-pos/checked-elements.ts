/**
 * The elements of one batch file, checked by themselves, handed to the store side a piece at a
 * time. A large file is read and checked in a worker thread, so that the main loop (SFTP, the
 * intake, the store) never waits behind its parse and the parse runs beside the inserts; a small
 * one is checked inline, where starting a thread would cost more than its parse.
 */
import { Worker } from 'node:worker_threads';
import { FileRejected } from '../../core/errors.js';
import { readUtf8 } from '../../fs/read-utf8.js';
import { checkElement, type CheckedElement } from './check-element.js';
import type { CheckJob, WorkerMessage } from './check-messages.js';
import { PosDataReader, type ReaderLimits } from './pos-data-reader.js';
import { workerScript } from '../../worker-script.js';

/** Files from this size on are checked in a worker thread. */
export const WORKER_MIN_BYTES = 1024 * 1024;

/** Elements stored in one turn of the event loop, unless the store says otherwise. */
const TURN_ELEMENTS = 20;

type OnBatch = (elements: CheckedElement[]) => Promise<void>;

/** Calls `onBatch` with the checked elements of `source`, in file order; throws `FileRejected` as the reader does. */
export async function forEachChecked(source: string, size: number, limits: ReaderLimits, onBatch: OnBatch, turnElements = TURN_ELEMENTS): Promise<void> {
  if (size >= WORKER_MIN_BYTES) await inWorker({ source, limits }, onBatch, turnElements);
  else await inline(source, limits, onBatch);
}

async function inline(source: string, limits: ReaderLimits, onBatch: OnBatch): Promise<void> {
  let batch: CheckedElement[] = [];
  const reader = new PosDataReader(limits, (element) => batch.push(checkElement(element)));
  const hand = async () => {
    const full = batch;
    batch = [];
    await onBatch(full);
  };
  await readUtf8(source, async (text) => {
    reader.push(text);
    await hand();
  });
  reader.end();
  await hand();
}

async function inWorker(job: CheckJob, onBatch: OnBatch, turnElements: number): Promise<void> {
  const worker = new Worker(workerScript('./check-worker.js', import.meta.url), { workerData: job });
  try {
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        settled = true;
        reject(err);
      };
      // Messages are handled one after another, in the order the worker posted them.
      let chain = Promise.resolve();
      worker.on('message', (message: WorkerMessage) => {
        chain = chain.then(async () => {
          if (settled) return;
          if (message.kind === 'batch') {
            await inTurns(message.elements, onBatch, turnElements);
            worker.postMessage('taken');
          } else if (message.kind === 'end') {
            settled = true;
            resolve();
          } else fail(fromWorker(message));
        }).catch(fail);
      });
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!settled) void chain.then(() => settled || fail(new Error(`the check worker stopped (exit code ${code}) before the end of the file`)));
      });
    });
  } finally {
    await worker.terminate();
  }
}

/**
 * A port hands over every message waiting at once, and a batch (one 64 KiB piece) takes several
 * milliseconds to store: stored in slices, each in its own turn of the event loop, so that an
 * SFTP request waits for one slice at most.
 */
async function inTurns(elements: CheckedElement[], onBatch: OnBatch, turnElements: number): Promise<void> {
  for (let start = 0; start < elements.length; start += turnElements) {
    await new Promise((resolve) => setImmediate(resolve));
    await onBatch(elements.slice(start, start + turnElements));
  }
}

function fromWorker(message: Extract<WorkerMessage, { kind: 'error' }>): Error {
  if (message.code) return new FileRejected(message.code, message.message, message.details);
  const err = new Error(message.message);
  if (message.stack) err.stack = message.stack;
  return err;
}

