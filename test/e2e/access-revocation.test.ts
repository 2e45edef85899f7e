/**
 * Access taken away by an operator (the CLI, another process writing the database) ends every
 * live session of that account at once: a disabled partner, a removed key, a changed password.
 * The live sessions are ssh2's client (held open across the change); the logins after it are
 * OpenSSH's sftp.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connectSftp, OPEN_MODE, sftpBatch, sftpCall, type Ssh2Session } from '../support/clients.js';
import { posdrop } from '../support/cli.js';
import { TestDaemon, type TestPartner, NAMES_JUDGED_BY_PIPELINE } from '../support/daemon.js';
import { sample, scrape } from '../support/prometheus.js';
import { generateEd25519KeyPair } from '../../src/security/ed25519.js';

describe('access taken away while a partner is logged in', () => {
  let daemon: TestDaemon;
  let bystander: TestPartner;

  beforeAll(async () => {
    daemon = await TestDaemon.start({ ...NAMES_JUDGED_BY_PIPELINE, sftp: { access_check_ms: 100 } });
    bystander = await daemon.addPartner({ id: 'bystander' });
  });
  afterAll(() => daemon.destroy());

  /** An ssh2 session that has listed /outbox and holds an upload half-written in /inbox. */
  async function busySession(partner: TestPartner, auth: { password?: string } = {}): Promise<{ session: Ssh2Session; upload: Buffer }> {
    const session = await connectSftp(daemon.port, partner, auth);
    expect(await sftpCall.readdir(session.sftp, '/outbox')).toEqual([]);
    const upload = await sftpCall.open(session.sftp, '/inbox/half-written.json', OPEN_MODE.WRITE | OPEN_MODE.CREAT | OPEN_MODE.TRUNC);
    await sftpCall.write(session.sftp, upload, Buffer.from('{"pos_data": ['), 0);
    return { session, upload };
  }

  async function revokedLogins(): Promise<number> {
    return sample(await scrape(`http://127.0.0.1:${daemon.httpPort}/metrics`), 'posdrop_sftp_logins_revoked_total');
  }

  /** The session is cut, its upload never reaches the inbox, and a bystander's session goes on. */
  async function expectEnded(partner: TestPartner, ...sessions: Ssh2Session[]): Promise<void> {
    await Promise.all(sessions.map((session) => closed(session.client)));
    expect(await daemon.folder(partner.id, 'inbox')).toEqual([]);
    expect(daemon.events('sftp.login_revoked').filter((line) => line.partner === partner.id)).toHaveLength(sessions.length);
  }

  it('ends the sessions of a disabled partner and refuses its logins', async () => {
    const partner = await daemon.addPartner({ id: 'disabled' });
    const other = await connectSftp(daemon.port, bystander);
    const before = await revokedLogins();
    const { session } = await busySession(partner);
    expect((await posdrop(daemon, ['partners', 'disable', partner.id])).code).toBe(0);
    await expectEnded(partner, session);
    expect(await revokedLogins()).toBe(before + 1);
    expect((await sftpBatch(daemon.port, partner, ['ls /outbox'])).code).not.toBe(0);
    expect(await sftpCall.readdir(other.sftp, '/outbox')).toEqual([]);
    other.end();
  });

  it('ends every session of a partner whose key is removed; the password still logs in', async () => {
    const partner = await daemon.addPartner({ id: 'rotated' });
    const byKey = await busySession(partner);
    const byPassword = await connectSftp(daemon.port, partner, { password: partner.password });
    const [key] = await daemon.store.partners.keys(partner.id);
    expect((await posdrop(daemon, ['partners', 'keys', partner.id, '--remove', key?.fingerprint as string])).code).toBe(0);
    await expectEnded(partner, byKey.session, byPassword);
    expect((await sftpBatch(daemon.port, partner, ['ls /outbox'])).code).not.toBe(0);
    const withPassword = await sftpBatch(daemon.port, partner, ['ls /outbox'], { auth: 'password' });
    expect(withPassword.code, withPassword.stderr).toBe(0);
  });

  it('ends the sessions of a partner whose password changes; the old password no longer logs in', async () => {
    const partner = await daemon.addPartner({ id: 'repassworded' });
    const { session } = await busySession(partner, { password: partner.password });
    expect((await posdrop(daemon, ['partners', 'passwd', partner.id, '--password-stdin'], 'a-new-secret-456\n')).code).toBe(0);
    await expectEnded(partner, session);
    expect((await sftpBatch(daemon.port, partner, ['ls /outbox'], { auth: 'password' })).code).not.toBe(0);
    const withNew = await sftpBatch(daemon.port, partner, ['ls /outbox'], { auth: 'password', password: 'a-new-secret-456' });
    expect(withNew.code, withNew.stderr).toBe(0);
    // Adding a key takes nothing away: the session stays, past a poll that saw the change (the
    // marker's session, ended by a later change, shows the daemon has looked since).
    const kept = await connectSftp(daemon.port, partner);
    const marker = await daemon.addPartner({ id: 'marker' });
    const markerSession = await connectSftp(daemon.port, marker);
    expect((await posdrop(daemon, ['partners', 'keys', partner.id, '--add', generateEd25519KeyPair().public])).code).toBe(0);
    expect((await posdrop(daemon, ['partners', 'disable', marker.id])).code).toBe(0);
    await closed(markerSession.client);
    expect(await sftpCall.readdir(kept.sftp, '/outbox')).toEqual([]);
    kept.end();
  });
});
