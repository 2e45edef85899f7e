/** Connections that take a slot and never log in: the first thing a flood of idle clients does. */
import net from 'node:net';
import { waitFor } from './daemon.js';

/** A bare TCP connection that says nothing unless told to; it notes what the server does. */
export class Squatter {
  readonly socket: net.Socket;
  banner = '';
  closed = false;

  constructor(port: number, localAddress = '127.0.0.1') {
    // allowHalfOpen: a stubborn client that never closes its side, whatever the server says.
    this.socket = net.connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
    this.socket.on('data', (chunk: Buffer) => (this.banner += chunk.toString('latin1')));
    this.socket.on('error', () => undefined);
    // With allowHalfOpen, 'end' is the server closing its side; ours stays open until destroyed.
    this.socket.on('end', () => (this.closed = true));
    this.socket.on('close', () => (this.closed = true));
  }

  /** Resolves true once the server sent its SSH banner, false if it closed without one. */
  admitted(timeoutMs?: number): Promise<boolean> {
    return waitFor(() => (this.banner.startsWith('SSH-2.0-') ? true : this.closed ? 'refused' : undefined), timeoutMs).then(
      (result) => result === true,
    );
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * An attacker that keeps `count` idle connections open, spread over `addresses`, and opens a new
 * one a moment after each is closed or refused, as a script on a small server would. Every other
 * connection sends an SSH version string and then nothing.
 */
export class SquatterCrowd {
  opened = 0;
  private running = true;
  private readonly open = new Set<Squatter>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly port: number,
    addresses: string[],
    count: number,
    private readonly reopenMs = 500,
  ) {
    for (let i = 0; i < count; i += 1) this.connect(addresses[i % addresses.length] as string, i % 2 === 0);
  }

  /** Sockets this side holds open right now. */
  get holding(): number {
    return this.open.size;
  }

  stop(): void {
    this.running = false;
    for (const timer of this.timers) clearTimeout(timer);
    for (const squatter of this.open) squatter.close();
    this.open.clear();
  }

  private connect(address: string, talks: boolean): void {
    if (!this.running) return;
    const squatter = new Squatter(this.port, address);
    this.opened += 1;
    this.open.add(squatter);
    if (talks) squatter.socket.once('connect', () => squatter.socket.write('SSH-2.0-Idle_1.0\r\n'));
    // The server closing its side is the cue: this side lets go and comes back.
    const gone = () => {
      if (!this.open.delete(squatter)) return;
      squatter.close();
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.connect(address, talks);
      }, this.reopenMs);
      this.timers.add(timer);
    };
    squatter.socket.once('end', gone);
    squatter.socket.once('close', gone);
  }
}
