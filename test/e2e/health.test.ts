/**
 * `/healthz` and the systemd watchdog when something is really wrong: the inboxes not read for
 * too long, an inbox folder that cannot be read, a database another process keeps locked.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_FORMATS } from '../../src/formats/registry.js';
import { TestDaemon, waitFor } from '../support/daemon.js';
import { lineFormats } from '../support/line-format.mjs';
import { posName } from '../support/names.js';
import { sqliteOnlyTest } from '../support/store-sql.js';

interface Health {
  status: string;
  database: { ok: boolean; detail: string };
  sftp: { ok: boolean; detail: string };
  watcher: { ok: boolean; detail: string };
}

describe('/healthz when a part fails', () => {
  let daemon: TestDaemon;
  const health = async (): Promise<{ code: number; body: Health }> => {
    const response = await fetch(`http://127.0.0.1:${daemon.httpPort}/healthz`);
    return { code: response.status, body: (await response.json()) as Health };
  };

  beforeAll(async () => {
    // An hour between rescans: no periodic rescan lands in the middle of a test; tests rescan.
    daemon = await TestDaemon.start({ intake: { rescan_seconds: 3600 } }, { formats: lineFormats(BUILT_IN_FORMATS) });
    await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('fails the watcher when no rescan has read the inboxes for two periods, until one does', async () => {
    expect((await health()).code).toBe(200);
    daemon.clock.advance(2 * 3600_000 + 60_000);
    const stale = await health();
    expect(stale.code).toBe(503);
    expect(stale.body).toMatchObject({ status: 'unhealthy', database: { ok: true }, sftp: { ok: true } });
    // 7260 s after the start's rescan, which a loaded machine may finish a second into the test clock.
    const staleDetail = /^no rescan of the inboxes has finished for 72(59|60|61|62) s \(one is due every 3600 s\)$/;
    expect(stale.body.watcher).toEqual({ ok: false, detail: expect.stringMatching(staleDetail) });
    expect(daemon.app.liveProblem()).toMatch(staleDetail); // what the systemd watchdog withholds its ping for

    await daemon.app.running.intake.rescan();
    expect(await health()).toMatchObject({ code: 200, body: { watcher: { ok: true, detail: 'watching the inboxes; last full rescan 0 s ago' } } });
    expect(daemon.app.liveProblem()).toBeUndefined();
  });

  it('fails the watcher while the inboxes cannot be read, and recovers what arrived meanwhile', async () => {
    const partners = daemon.path('partners');
    await rename(partners, `${partners}.away`);
    await writeFile(partners, 'not a folder\n');
    await expect(daemon.app.running.intake.rescan()).rejects.toThrow(`${partners} is missing or not a folder`);
    const broken = await health();
    expect(broken.code).toBe(503);
    expect(broken.body.watcher.ok).toBe(false);
    expect(broken.body.watcher.detail).toMatch(/^a rescan of the inboxes failed: .*\/partners is missing or not a folder \(at \d{4}-.*\); no rescan has succeeded since$/);
    expect(daemon.app.liveProblem()).toBe(broken.body.watcher.detail);

    await writeFile(`${partners}.away/acme/inbox/${posName(1)}`, 'r1\nr2\n'); // copied in by hand meanwhile
    await rm(partners);
    await rename(`${partners}.away`, partners);
    await daemon.app.running.intake.rescan();
    expect((await health()).code).toBe(200);
    await waitFor(async () => (await daemon.ledger('acme')).find((file) => file.name === posName(1) && file.state === 'processed'));
    // chokidar watches the folder again too: the next file is seen without a rescan.
    await writeFile(`${partners}/acme/inbox/${posName(2)}`, 'r3\n');
    await waitFor(async () => (await daemon.ledger('acme')).find((file) => file.name === posName(2) && file.state === 'processed'));
  });

  sqliteOnlyTest("another process holding SQLite's write lock")('fails the database check while another process keeps the write lock', async () => {
    const other = new Database(daemon.path('posdrop.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const locked = await health(); // waits out the daemon's busy timeout
      expect(locked.code).toBe(503);
      expect(locked.body).toMatchObject({ status: 'unhealthy', database: { ok: false, detail: 'a write failed: database is locked' } });
      expect(locked.body.watcher.ok).toBe(true);
      other.exec('ROLLBACK');
    } finally {
      other.close();
    }
    expect(await health()).toMatchObject({ code: 200, body: { database: { ok: true, detail: 'a write committed' } } });
  });
});
