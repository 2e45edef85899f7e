/**
 * Every CLI action that changes something leaves a line in `<data_dir>/operator.log` saying
 * what, who and why: release, reprocess, the partner commands, undo and restore.
 */
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon, type TestPartner } from '../support/daemon.js';
import { drop } from '../support/drop.js';
import { posName } from '../support/names.js';
import { sqliteOnlyTest } from '../support/store-sql.js';
import { batch, purchase, receiptWhen, upload } from '../support/pos-batches.js';

interface OperatorLine {
  event: string;
  by: string;
  reason: string | null;
  level: string;
  timestamp: string;
  [field: string]: unknown;
}

describe('the operator log', () => {
  let daemon: TestDaemon;
  let acme: TestPartner;
  const logged = async (): Promise<OperatorLine[]> =>
    (await readFile(daemon.path('operator.log'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as OperatorLine);
  /** Runs the command, which must succeed, and returns the line it logged. */
  const act = async (args: string[], stdin = ''): Promise<OperatorLine> => {
    const before = (await logged().catch(() => [])).length;
    const result = await posdrop(daemon, args, stdin);
    expect(result.code, result.stderr).toBe(0);
    const after = await logged();
    expect(after).toHaveLength(before + 1);
    return after.at(-1) as OperatorLine;
  };

  beforeAll(async () => {
    daemon = await TestDaemon.start({
      intake: { rescan_seconds: 1 }, // the daemon takes a released file at its next scan
      clienttoolbox: { acme: { create_new_customers: true, allow_undo: true, campaigns: [{ id: 'P1', type: 'points' }] } },
    });
    acme = await daemon.addPartner({ id: 'acme', clientId: '12' });
  });
  afterAll(() => daemon.destroy());

  it('records who and why for release, reprocess and undo', async () => {
    const held = posName(2);
    await upload(daemon, acme, held, batch(purchase('log-p2')));
    await receiptWhen(daemon, 'acme', held, 'held');
    const day = held.slice(0, 8);
    const release = await act(['release', '--partner', 'acme', '--date', day, '--through', '0001', '--reason', 'never sent', '--by', 'alice']);
    expect(release).toMatchObject({
      event: 'operator.release',
      level: 'info',
      by: 'alice',
      reason: 'never sent',
      partner: 'acme',
      date: `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`,
      skipped: { from: '0001', through: '0001' },
      released: [held],
    });
    expect(Date.parse(release.timestamp)).not.toBeNaN();
    await receiptWhen(daemon, 'acme', held, 'processed');

    const fileId = (await daemon.ledger('acme')).find((row) => row.name === held)?.id;
    const reprocess = await act(['reprocess', held, '--no-wait', '--reason', 'fixed the SKU table']);
    expect(reprocess).toMatchObject({ event: 'operator.reprocess', by: process.env.SUDO_USER || userInfo().username, reason: 'fixed the SKU table', file_id: fileId, partner: 'acme', file: held, force: false });
    await receiptWhen(daemon, 'acme', held, 'processed');
    await daemon.idle();

    const batchName = 'transactions_20261124_log.psv';
    expect((await drop(daemon, acme, batchName, 'campaign_id|code|redeemed|amount\nP1|u1|N|10\n')).state).toBe('processed');
    const undo = await act(['undo', batchName, '--reason', 'sent twice', '--by', 'bob']);
    expect(undo).toMatchObject({ event: 'operator.undo', by: 'bob', reason: 'sent twice', partner: 'acme', file: batchName, entries_reversed: 1 });
  });

  it('records the partner commands, with a reason when one is given and null when not', async () => {
    const key = generateEd25519KeyPair();
    const added = await act(['partners', 'add', 'zeta', '--format', 'crowdtwist-pos', '--key', key.public, '--reason', 'contract 42', '--by', 'carol']);
    const [fingerprint] = (JSON.parse((await posdrop(daemon, ['partners', 'keys', 'zeta', '--json'])).stdout) as { fingerprint: string }[]).map((row) => row.fingerprint);
    expect(added).toMatchObject({ event: 'operator.partner_added', by: 'carol', reason: 'contract 42', partner: 'zeta', formats: ['crowdtwist-pos'], password: false, keys: [fingerprint] });
    const next = generateEd25519KeyPair();
    const rotated = await act(['partners', 'keys', 'zeta', '--add', next.public, '--remove', fingerprint as string, '--reason', 'rotation']);
    expect(rotated).toMatchObject({ event: 'operator.partner_keys', reason: 'rotation', partner: 'zeta', added: [expect.stringMatching(/^SHA256:/)], removed: [fingerprint], forced: false });
    expect(await act(['partners', 'passwd', 'zeta', '--generate-password'])).toMatchObject({ event: 'operator.partner_password', reason: null, partner: 'zeta', password: 'set' });
    expect(await act(['partners', 'disable', 'zeta', '--reason', 'contract ended'])).toMatchObject({ event: 'operator.partner_disabled', reason: 'contract ended', partner: 'zeta' });
    expect(await act(['partners', 'enable', 'zeta'])).toMatchObject({ event: 'operator.partner_enabled', reason: null, partner: 'zeta' });
    // Reading changes nothing and logs nothing; neither does a refused change.
    const before = (await logged()).length;
    await posdrop(daemon, ['partners', 'keys', 'zeta']);
    await posdrop(daemon, ['partners', 'keys', 'zeta', '--remove', 'SHA256:nothing']);
    expect(await logged()).toHaveLength(before);
  });

  sqliteOnlyTest('a restore, which copies the SQLite file back (PostgreSQL is restored with pg_restore)')('records a restore', async () => {
    const backup = daemon.path('for-restore.db');
    expect((await posdrop(daemon, ['backup', backup])).code).toBe(0);
    await daemon.stop();
    const restore = await act(['restore', backup, '--reason', 'disk replaced', '--by', 'dave']);
    expect(restore).toMatchObject({ event: 'operator.restore', by: 'dave', reason: 'disk replaced', backup, kept_as: expect.stringMatching(/posdrop\.db\.replaced-/), file_id_floor: expect.any(Number) });
    await daemon.restart();
  });
});
