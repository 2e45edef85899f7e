import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputFiles } from './output-files.js';

describe('OutputFiles', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-outputs-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('renames what was written into place on commit', async () => {
    const outputs = new OutputFiles(dir, 'a.json');
    const writer = await outputs.create('.errors.json');
    await writer.write('{"failed": []}');
    expect(await outputs.commit()).toEqual(['a.json.errors.json']);
    expect(await readdir(dir)).toEqual(['a.json.errors.json']);
  });

  it('fails the commit on a write error, leaving no stream open and no temporary file', async () => {
    const outputs = new OutputFiles(dir, 'c.json');
    await (await outputs.create('.errors.json')).write('fine');
    const broken = await outputs.create('.retry.json');
    // what a full disk or a vanished folder does to a stream: an error of its own
    const stream = (outputs as unknown as { pending: { stream: NodeJS.EventEmitter }[] }).pending[1]!.stream;
    stream.emit('error', Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
    await expect(broken.write('more')).rejects.toThrow(/no space left/);
    await expect(outputs.commit()).rejects.toThrow(/no space left/);
    expect(await readdir(dir)).toEqual([]);
    expect(outputs.names).toEqual([]);
  });

  it('discards a file whose writes are still on their way to the disk, quietly', async () => {
    // A file refused mid-way: its outputs are dropped while the last chunks are being written.
    // The writes finish against a destroyed stream; that must not become an uncaught error.
    for (let round = 0; round < 50; round += 1) {
      const outputs = new OutputFiles(dir, `b${round}.json`);
      const writer = await outputs.create('.errors.json');
      // resolves once buffered (below the high-water mark): the disk write is still under way
      await writer.write('x'.repeat(1000));
      await outputs.discard();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await readdir(dir)).toEqual([]);
  });
});
