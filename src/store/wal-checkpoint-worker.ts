/**
 * The WAL checkpointer's thread (wal-checkpointer.ts): a connection of its own to the daemon's
 * file, and a PASSIVE checkpoint every `everyMs` and whenever asked. PASSIVE copies what no reader
 * still needs and returns: it never takes the write lock nor calls the busy handler.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointReply, CheckpointerData, CheckpointerRequest } from './wal-checkpoint-messages.js';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint-worker.js runs only as a worker thread');
const { file, everyMs } = workerData as CheckpointerData;

const db = new Database(file, { fileMustExist: true });
// This connection writes nothing of its own; its close must not checkpoint or delete the log
// under the daemon's connection either.
db.pragma('wal_autocheckpoint = 0');

interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

function checkpoint(): CheckpointReply {
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointRow[];
    return { kind: 'done', walPages: row?.log ?? 0, checkpointedPages: row?.checkpointed ?? 0 };
  } catch (err) {
    return { kind: 'error', message: err instanceof Error ? err.message : String(err) };
  }
}

const timer = setInterval(() => {
  const reply = checkpoint();
  if (reply.kind === 'error') port.postMessage(reply);
}, everyMs);

port.on('message', (message: CheckpointerRequest) => {
  if (message === 'checkpoint') {
    port.postMessage(checkpoint());
    return;
  }
  clearInterval(timer);
  db.close();
  port.close(); // nothing else keeps the thread: it ends
});
