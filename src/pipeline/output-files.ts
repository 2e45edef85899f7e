/**
 * The outbox files a format writes beside the receipt (error log, retry file, dialect answer).
 * They are written under temporary dot-names while the file streams, and renamed into place
 * together just before the file's transaction commits; a crash before that leaves only dot-files
 * (never listed) and the file is processed again.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { ensureDir, fsyncDir } from '../fs/durable.js';

export interface OutputWriter {
  /** Resolves when the chunk is buffered below the high-water mark (backpressure). */
  write(chunk: string | Uint8Array): Promise<void>;
}

interface Pending {
  finalName: string;
  temp: string;
  stream: WriteStream;
  /** The stream's first error (a full disk): it fails the file, never the process. */
  error?: Error;
}

export class OutputFiles {
  private readonly pending: Pending[] = [];

  constructor(
    private readonly dir: string,
    /** `<name>` or `<name>.dry-run`. */
    private readonly stem: string,
  ) {}

  /** Starts `<stem><suffix>`, e.g. suffix `.errors.json`. */
  async create(suffix: string): Promise<OutputWriter> {
    await ensureDir(this.dir);
    const finalName = `${this.stem}${suffix}`;
    const temp = path.join(this.dir, `.${finalName}.${randomBytes(4).toString('hex')}.tmp`);
    // flush: fsync before close, so what is renamed into place is on disk
    const stream = createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true });
    const file: Pending = { finalName, temp, stream };
    // Listened to from the start: a stream error nobody listens to is thrown out of the event
    // loop. A write still under way when the file is discarded ends in one (ERR_STREAM_DESTROYED).
    stream.on('error', (err) => (file.error ??= err));
    await once(stream, 'open');
    this.pending.push(file);
    return {
      write: async (chunk) => {
        if (file.error) throw file.error;
        if (!stream.write(chunk)) await once(stream, 'drain');
      },
    };
  }

  /** Writes a whole small file at once. */
  async put(suffix: string, content: string | Uint8Array): Promise<void> {
    const writer = await this.create(suffix);
    await writer.write(content);
  }

  /** Names (in the outbox) of the files written so far. */
  get names(): string[] {
    return this.pending.map((file) => file.finalName);
  }

  /** Flushes, fsyncs and renames every file into place. */
  async commit(): Promise<string[]> {
    for (const file of this.pending) {
      const closed = closing(file.stream);
      file.stream.end();
      await closed;
      if (file.error) {
        // Nothing of this run is renamed into place: the others are closed and removed too.
        const { error } = file;
        await this.discard();
        throw error;
      }
    }
    for (const file of this.pending) await rename(file.temp, path.join(this.dir, file.finalName));
    if (this.pending.length) await fsyncDir(this.dir);
    const names = this.names;
    this.pending.length = 0;
    return names;
  }

  /** Drops everything written (the file failed). */
  async discard(): Promise<void> {
    for (const file of this.pending) {
      const closed = closing(file.stream);
      file.stream.destroy();
      await closed;
      await unlink(file.temp).catch(() => undefined);
    }
    this.pending.length = 0;
  }

  /** Removes outputs of an earlier run under this stem that this run did not write again. */
  async removeStale(suffixes: readonly string[], written: readonly string[]): Promise<void> {
    for (const suffix of suffixes) {
      const name = `${this.stem}${suffix}`;
      if (!written.includes(name)) await unlink(path.join(this.dir, name)).catch(() => undefined);
    }
  }
}

/** Resolves when the stream has closed, errors or not (they are recorded by its listener). */
function closing(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}
