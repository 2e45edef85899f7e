/**
 * Floods of WRITE requests whose replies are never read, sent by hand over an SFTP channel: what
 * a broken or hostile client does to make a server hold memory.
 */
import type ssh2 from 'ssh2';
import { closed, connectSsh } from './clients.js';
import type { TestPartner } from './daemon.js';
import { PACKET, RawSftp, sftpString, uint64 } from './raw-sftp.js';

export interface RawUpload {
  client: ssh2.Client;
  raw: RawSftp;
  handle: Buffer;
}

/** Logs in, opens SFTP by hand and `/inbox/<name>` for writing (WRITE|CREAT|TRUNC). */
export async function rawUpload(port: number, partner: TestPartner, name: string): Promise<RawUpload> {
  const client = await connectSsh(port, { username: partner.id, privateKey: partner.privateKey });
  const raw = await RawSftp.open(client);
  const handle = await raw.openFile(`/inbox/${name}`, 0x1a);
  return { client, raw, handle };
}

/**
 * Sends `count` 16-byte WRITEs in one go, so that every chunk the server reads holds hundreds of
 * them, and reads nothing back: neither the replies nor, with the socket paused, the window.
 */
export function floodSmallWrites({ client, raw, handle }: RawUpload, count: number): void {
  raw.stopReading();
  (client as unknown as { _sock: { pause(): void } })._sock.pause();
  const data = Buffer.alloc(16, 0x61);
  const flood = Array.from({ length: count }, (_, i) =>
    raw.build(PACKET.WRITE, sftpString(handle), uint64(BigInt((i % 64) * 16)), sftpString(data)),
  );
  raw.channel.write(Buffer.concat(flood));
}

/**
 * Sends `count` WRITEs of `size` bytes over the same 10 MB of the file as fast as the channel
 * takes them, never reading a reply (the socket is read, or the server's window adjustments would
 * go unseen and the client could send no more than one window). Stops early if the server cuts.
 */
export async function floodLargeWrites({ client, raw, handle }: RawUpload, count: number, size: number): Promise<void> {
  raw.stopReading();
  const chunk = Buffer.alloc(size, 0x62);
  const span = Math.max(1, Math.floor((10 * 1024 * 1024) / size));
  const ended = closed(client).then(() => false);
  for (let i = 0; i < count; i += 1) {
    const request = raw.build(PACKET.WRITE, sftpString(handle), uint64(BigInt((i % span) * size)), sftpString(chunk));
    if (!raw.channel.write(request)) {
      const drained = new Promise<boolean>((resolve) => raw.channel.once('drain', () => resolve(true)));
      if (!(await Promise.race([drained, ended]))) return;
    }
  }
}
