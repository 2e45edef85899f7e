/**
 * Why a delivery was refused, named after the domain rather than a protocol: `sftp/status.ts`
 * maps these to SFTP status codes, the partner API to HTTP answers. The message is meant for
 * the partner and is the same whichever way the file came.
 */
import { PosdropError } from '../core/errors.js';

export type DeliveryRefusalKind =
  /** The bytes passed the partner's upload limit; nothing was kept. */
  | 'too_large'
  /** A file of that name is waiting in the inbox; the new bytes were not linked in. */
  | 'name_waiting'
  /** An exclusive create met an existing spool file. */
  | 'exists';

export class DeliveryRefusal extends PosdropError {
  constructor(
    readonly kind: DeliveryRefusalKind,
    message: string,
    /** Bytes received when it was refused (`too_large`), none of them kept. */
    readonly received = 0,
  ) {
    super(kind, message);
  }
}

/** The refusal of a file over `maxBytes` when `received` bytes came, in the words every path uses. */
export function tooLarge(name: string, maxBytes: number, received = 0): DeliveryRefusal {
  return new DeliveryRefusal('too_large', `${name} is larger than the upload limit of ${formatBytes(maxBytes)}; the upload was discarded`, received);
}

/** `50 MiB (52,428,800 bytes)`: binary units, said so, and the exact figure (a guide's "50 MB" is ambiguous). */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB (${exact})`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB (${exact})`;
  return exact;
}
