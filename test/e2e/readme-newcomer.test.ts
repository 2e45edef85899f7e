/**
 * The README's first lines, run as a newcomer runs them on a fresh clone: the daemon as `npm start`
 * starts it (on embedded defaults, demo partner on), then the shell lines and the sftp session of
 * the README's block, word for word. Only the port differs (a free one, not 2222, so that suites
 * side by side never meet), the password is typed in by an askpass program, and the known hosts
 * go to a file of the test's own (ssh finds ~/.ssh through the password database, not $HOME).
 */
import { chmod, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../support/clients.js';
import { waitFor } from '../support/daemon.js';
import { DaemonProcess } from '../support/daemon-process.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The README's shell blocks, in order. */
async function shellBlocks(): Promise<string[][]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => (match[1] as string).split('\n').filter((line) => line.trim() !== ''));
}

describe("the README's newcomer lines", () => {
  let home: string;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'posdrop-newcomer-'));
  });
  afterAll(async () => {
    await daemon?.kill('SIGTERM');
    await rm(home, { recursive: true, force: true });
  });

  it('run as written: both files are answered, and the host key kept is the one printed', async () => {
    const [start, session] = await shellBlocks();
    expect(start?.[0]).toMatch(/^npm install && npm start +#/);
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('npm run build --silent && node --max-semi-space-size=4 bin/posdrop.js serve');

    // A fresh clone: the repository's fixtures, nothing else; the daemon's ./var beside them.
    const clone = path.join(home, 'posdrop');
    await run('mkdir', ['-p', clone]);
    await symlink(path.join(ROOT, 'fixtures'), path.join(clone, 'fixtures'));
    const dataDir = path.join(clone, 'var');
    daemon = await DaemonProcess.start(dataDir, { POSDROP_DEMO_PARTNER: 'true' });
    // The banner follows daemon.ready on the other stream: wait for its last line, not only the log.
    const running = daemon;
    const banner = await waitFor(() => (/which must be the host key above/.test(running.stderr) ? running.stderr : undefined));
    const password = /^\s*password: (\S+)$/m.exec(banner)?.[1] as string;
    const printedKey = /^\s*host key: (SHA256:\S+)$/m.exec(banner)?.[1];
    expect(printedKey).toMatch(/^SHA256:/);
    expect(daemon.events('daemon.ready')[0]).toMatchObject({ host_key: printedKey });

    const lines = session ?? [];
    const shell = lines.filter((line) => !line.startsWith('sftp'));
    const sftpLine = lines.find((line) => line.startsWith('sftp '));
    const typed = lines.filter((line) => line.startsWith('sftp> ')).map((line) => line.slice('sftp> '.length));
    expect(sftpLine).toBe('sftp -o StrictHostKeyChecking=accept-new -P 2222 demo@127.0.0.1');
    expect(typed.length).toBeGreaterThanOrEqual(3);

    const knownHosts = path.join(home, 'known_hosts');
    for (const line of shell) {
      const result = await run('sh', ['-c', `cd '${clone}' && ${line}`]);
      expect(result.code, `${line}: ${result.stderr}`).toBe(0);
    }

    const askpass = path.join(home, 'askpass');
    await writeFile(askpass, `#!/bin/sh\nprintf '%s\\n' '${password}'\n`);
    await chmod(askpass, 0o700);
    // The README's sftp line with this daemon's port; BatchMode=no first, so that -b still asks
    // the askpass program for the password as a person would type it.
    const words = (sftpLine as string).split(' ').slice(1).map((word) => (word === '2222' ? String(daemon?.port) : word));
    const options = `-o BatchMode=no -o PubkeyAuthentication=no -o UserKnownHostsFile='${knownHosts}'`;
    const sftpSession = async (commands: string[]) => {
      const batch = path.join(home, 'typed');
      await writeFile(batch, `${commands.join('\n')}\n`);
      const result = await run('sh', ['-c', `cd '${clone}' && exec sftp ${options} -b '${batch}' ${words.join(' ')}`], {
        env: { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      });
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    };
    const pbj = 'direct-mail_20-04-2020_1.csv';
    const pos = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}_0001_demo_pos_first.json`;
    const receipt = (name: string) => readFile(path.join(dataDir, 'partners', 'demo', 'outbox', `${name}.receipt.json`), 'utf8').then((text) => JSON.parse(text) as Record<string, unknown>);
    // What a person types, with the pause a person takes: the answers come after the uploads.
    const puts = typed.filter((command) => command.startsWith('put '));
    await sftpSession(puts);
    await waitFor(async () => (await receipt(pos)).state === 'processed' && (await receipt(pbj)).state === 'processed', 30_000);
    await sftpSession(typed.slice(puts.length));
    expect(await receipt(pbj)).toMatchObject({ state: 'processed', counts: { total: 34, accepted: 34, failed: 0, duplicates: 0 } });
    expect(await receipt(pos)).toMatchObject({ state: 'processed', counts: { total: 2, accepted: 2, failed: 0, duplicates: 0 } });
    expect(JSON.parse(await readFile(path.join(clone, `${pbj}.result.json`), 'utf8'))).toEqual({ result: 34 });

    // The README's check of the key accept-new kept.
    const kept = await run('ssh-keygen', ['-lF', `[127.0.0.1]:${daemon.port}`, '-f', knownHosts]);
    expect(kept.code).toBe(0);
    expect(kept.stdout.split('\n')).toContain(`[127.0.0.1]:${daemon.port} ED25519 ${printedKey}`);
  });
});
