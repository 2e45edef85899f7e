/**
 * Files that do not come through SFTP: dropped into an inbox while the daemon is stopped, or
 * copied in by hand while it runs. And the ledger's memory across restarts.
 */
import { createHash } from 'node:crypto';
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { sftpBatch } from '../support/clients.js';
import { TestDaemon, waitFor } from '../support/daemon.js';

/** Counters from 0101 with no 0001 for that day: each file is `held`, pending in the inbox. */
const posName = (counter: number) => `20240105_${String(100 + counter).padStart(4, '0')}_acme_pos_rescan.json`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('the inbox rescan', () => {
  let daemon: TestDaemon | undefined;
  afterEach(async () => {
    await daemon?.destroy();
    daemon = undefined;
  });

  it('picks up files dropped into an inbox while the daemon was stopped', async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'acme' });
    await daemon.stop();
    const inbox = daemon.path('partners', 'acme', 'inbox');
    await writeFile(`${inbox}/${posName(1)}`, '{"pos_data": []}');
    await writeFile(`${inbox}/left-behind.txt`, 'no rule fits me');

    await daemon.restart();
    await daemon.idle();
    const rows = await daemon.ledger('acme');
    expect(rows.map((row) => [row.name, row.state]).sort()).toEqual([
      [posName(1), 'held'],
      ['left-behind.txt', 'rejected'],
    ]);
    expect((await daemon.receipt('acme', 'left-behind.txt')).state).toBe('rejected');
    expect(daemon.events('file.received').map((line) => line.file).sort()).toEqual([posName(1), 'left-behind.txt']);
  });

  it('recognises a file it already recorded, instead of recording it again after a restart', async () => {
    daemon = await TestDaemon.start();
    const acme = await daemon.addPartner({ id: 'acme' });
    const local = daemon.path(posName(2));
    await writeFile(local, '{"pos_data": [2]}');
    expect((await sftpBatch(daemon.port, acme, [`put ${local} /inbox/`])).code).toBe(0);
    // Held for its predecessor 0001: a state it keeps, so the restart is compared with a still row.
    const first = await waitFor(async () => (await daemon!.ledger('acme')).find((row) => row.name === posName(2) && row.state === 'held'));

    await daemon.restart();
    await daemon.idle();
    expect(await daemon.ledger('acme')).toEqual([first]);
  });

  it('withdraws the pending record of a file replaced while the daemon was stopped', async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'acme' });
    const file = daemon.path('partners', 'acme', 'inbox', posName(5));
    await writeFile(file, '{"pos_data": ["old"]}');
    await waitFor(async () => (await daemon!.ledger('acme')).length === 1);
    await daemon.stop();
    await writeFile(`${file}.new`, '{"pos_data": ["new"]}');
    await rename(`${file}.new`, file);

    await daemon.restart();
    await daemon.idle();
    expect((await daemon.ledger('acme')).map((row) => [row.sha256, row.state, row.reasonCode])).toEqual([
      [sha256('{"pos_data": ["old"]}'), 'rejected', 'withdrawn'],
      [sha256('{"pos_data": ["new"]}'), 'held', null],
    ]);
    expect((await daemon.receipt('acme', posName(5))).sha256).toBe(sha256('{"pos_data": ["new"]}'));
  });

  it('withdraws the pending record of a file replaced in place while the daemon runs', async () => {
    daemon = await TestDaemon.start();
    await daemon.addPartner({ id: 'acme' });
    const file = daemon.path('partners', 'acme', 'inbox', posName(6));
    await writeFile(file, '{"pos_data": ["old"]}');
    await waitFor(async () => (await daemon!.ledger('acme')).length === 1);
    await writeFile(`${file}.new`, '{"pos_data": ["new"]}');
    await rename(`${file}.new`, file);
    await waitFor(async () => (await daemon!.ledger('acme')).length === 2);
    await daemon.idle();
    expect((await daemon.ledger('acme')).map((row) => [row.state, row.reasonCode])).toEqual([
      ['rejected', 'withdrawn'],
      ['held', null],
    ]);
  });

  it('takes a file copied in by hand once its size is stable, and only then', async () => {
    daemon = await TestDaemon.start({ intake: { stable_ms: 400 } });
    await daemon.addPartner({ id: 'acme' });
    const file = daemon.path('partners', 'acme', 'inbox', posName(3));
    const parts = ['{"pos_data": [', '1,', '2,', '3,', '4', ']}'];
    await writeFile(file, parts[0] as string);
    for (const part of parts.slice(1)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await appendFile(file, part);
    }
    const row = await waitFor(async () => (await daemon!.ledger('acme')).find((entry) => entry.name === posName(3) && entry.state !== 'queued'));
    expect(row).toMatchObject({ sha256: sha256(parts.join('')), size: parts.join('').length, state: 'held' });
    await daemon.idle();
    expect(await daemon.ledger('acme')).toHaveLength(1);
  });

  it('rescans periodically what the watcher missed', async () => {
    daemon = await TestDaemon.start({ intake: { rescan_seconds: 1 } });
    await daemon.addPartner({ id: 'acme' });
    // Stop the watcher: only the periodic rescan can find this file now.
    await (daemon.app.running.intake as unknown as { watcher: { stop(): Promise<void> } }).watcher.stop();
    await writeFile(daemon.path('partners', 'acme', 'inbox', posName(4)), '{}');
    const row = await waitFor(async () => (await daemon!.ledger('acme')).find((entry) => entry.name === posName(4) && entry.state !== 'queued'), 10_000);
    expect(row.state).toBe('held');
  });
});
