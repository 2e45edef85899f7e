/**
 * SFTP spoken by hand over ssh2's `subsys('sftp')` channel: for what no polite client sends —
 * paths that are not UTF-8, floods of requests whose replies are never read.
 */
import type { ClientChannel } from 'ssh2';
import type ssh2 from 'ssh2';

export const PACKET = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  WRITE: 6,
  STAT: 17,
  RENAME: 18,
  OPENDIR: 11,
  STATUS: 101,
  HANDLE: 102,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
} as const;

export interface Reply {
  type: number;
  id: number;
  body: Buffer;
}

/** `string` in SFTP's wire format: a length and the bytes, which need not be UTF-8. */
export function sftpString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function uint32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value);
  return buf;
}

export function uint64(value: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64BE(value);
  return buf;
}

export function packet(type: number, id: number, ...fields: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from([type]), uint32(id), ...fields]);
  return Buffer.concat([uint32(body.length), body]);
}

export class RawSftp {
  private nextId = 1;
  private pending = Buffer.alloc(0);
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  private constructor(readonly channel: ClientChannel) {}

  /** Opens the subsystem and exchanges INIT / VERSION. */
  static async open(client: ssh2.Client): Promise<RawSftp> {
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.subsys('sftp', (err, stream) => (err ? reject(err) : resolve(stream))),
    );
    const raw = new RawSftp(channel);
    const version = new Promise<void>((resolve) => raw.waiting.set(-1, () => resolve()));
    channel.on('data', (chunk: Buffer) => raw.receive(chunk));
    channel.write(Buffer.concat([uint32(5), Buffer.from([PACKET.INIT]), uint32(3)]));
    await version;
    return raw;
  }

  /** Sends a request and waits for its reply. */
  request(type: number, ...fields: Buffer[]): Promise<Reply> {
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve) => this.waiting.set(id, resolve));
    this.channel.write(packet(type, id, ...fields));
    return reply;
  }

  /** Builds a request without sending it (for floods written in one go). */
  build(type: number, ...fields: Buffer[]): Buffer {
    return packet(type, this.nextId++, ...fields);
  }

  /** Stops reading replies: they pile up on the server's side of the channel. */
  stopReading(): void {
    this.channel.removeAllListeners('data');
    this.channel.pause();
  }

  async openFile(path: string | Buffer, pflags: number): Promise<Buffer> {
    const reply = await this.request(PACKET.OPEN, sftpString(path), uint32(pflags), uint32(0));
    if (reply.type !== PACKET.HANDLE) throw new Error(`OPEN answered ${describe(reply)}`);
    return reply.body.subarray(4, 4 + reply.body.readUInt32BE(0));
  }

  private receive(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 4) {
      const length = this.pending.readUInt32BE(0);
      if (this.pending.length < 4 + length) return;
      const type = this.pending[4] as number;
      if (type === PACKET.VERSION) {
        this.waiting.get(-1)?.({ type, id: -1, body: Buffer.alloc(0) });
        this.waiting.delete(-1);
      } else {
        const id = this.pending.readUInt32BE(5);
        const body = this.pending.subarray(9, 4 + length);
        this.waiting.get(id)?.({ type, id, body });
        this.waiting.delete(id);
      }
      this.pending = this.pending.subarray(4 + length);
    }
  }
}

/** A STATUS reply's code and message. */
export function statusOf(reply: Reply): { code: number; message: string } {
  if (reply.type !== PACKET.STATUS) throw new Error(`expected a STATUS reply, got type ${reply.type}`);
  const code = reply.body.readUInt32BE(0);
  const length = reply.body.readUInt32BE(4);
  return { code, message: reply.body.subarray(8, 8 + length).toString('utf8') };
}

function describe(reply: Reply): string {
  return reply.type === PACKET.STATUS ? `status ${JSON.stringify(statusOf(reply))}` : `type ${reply.type}`;
}
