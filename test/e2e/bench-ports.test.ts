/**
 * The bench is run where posdrop already runs: every daemon it starts, in its own process or
 * inside a section's child, must take free ports rather than the defaults (2222, 9464).
 */
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessBenchConfig } from '../../bench/support/in-process-config.js';
import { startDaemon } from '../../bench/support/processes.js';
import { App } from '../../src/app.js';
import { createLog } from '../../src/log.js';

/** Holds 127.0.0.1:`port` unless something (a running posdrop, say) already does. */
function occupy(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('daemons the bench starts, beside a running posdrop', () => {
  let held: (net.Server | undefined)[] = [];
  let dir: string;

  beforeAll(async () => {
    held = await Promise.all([occupy(2222), occupy(9464)]);
    dir = await mkdtemp(path.join(tmpdir(), 'posdrop-bench-ports-'));
  });
  afterAll(async () => {
    for (const server of held) server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('start in a section child on free ports', async () => {
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const app = new App({ config: inProcessBenchConfig(path.join(dir, 'child')), log: createLog({ level: 'warn', stream: quiet }) });
    const started = await app.start();
    try {
      expect(started.sftp.port).not.toBe(2222);
      expect(started.http?.port).toBeDefined();
      expect(started.http?.port).not.toBe(9464);
    } finally {
      await app.stop();
    }
  });

  it('start as posdrop serve on free ports', async () => {
    const daemon = await startDaemon();
    try {
      expect(daemon.port).not.toBe(2222);
    } finally {
      await daemon.stop();
      await rm(daemon.dataDir, { recursive: true, force: true });
    }
  });
});
