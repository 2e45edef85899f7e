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
