/**
 * Records each partner's successful logins (SFTP and the partner API) for the console. A Carma
 * client authenticates every request with HTTP Basic, so a write per login would be a commit per
 * request: the same partner, way in and address is written again only once a minute has passed.
 * The write is a store transaction of its own, never holding up the login itself.
 */
import { errorMessage } from '../core/errors.js';
import type { Log } from '../log.js';
import type { LoginVia } from '../store/partner-logins.js';
import type { Store } from '../store/store.js';

/** A login repeated within this long by the same partner, way and address is not written again. */
const COALESCE_MS = 60_000;

export class LoginRecorder {
  private readonly written = new Map<string, { atMs: number; address: string }>();

  constructor(private readonly parts: { store: Store; now: () => Date; log: Log }) {}

  /** `partner` logged in by `via` from `address`; resolves once recorded (never rejects). */
  async loggedIn(partner: string, via: LoginVia, address: string): Promise<void> {
    const { store, now, log } = this.parts;
    const at = now();
    const key = `${via} ${partner}`;
    const last = this.written.get(key);
    if (last && last.address === address && at.getTime() - last.atMs < COALESCE_MS) return;
    this.written.set(key, { atMs: at.getTime(), address });
    try {
      await store.transaction((tx) => tx.logins.record({ partner, via, at: at.toISOString(), address }));
    } catch (err) {
      this.written.delete(key);
      log.error('partner.login_unrecorded', { partner, via, error: errorMessage(err) });
    }
  }
}
