/**
 * Connections logged in, by partner, with the credentials version they logged in with, so that
 * access taken away (disabled, new password, removed key) ends them at once rather than at the
 * idle timeout.
 */

/**
 * Every partner's current credentials version, undefined for a disabled one; a partner missing
 * from the map is gone.
 */
export type AccessStates = ReadonlyMap<string, number | undefined>;

export interface LiveLogin {
  partner: string;
  address: string;
  /** The partner's credentials version when this connection logged in. */
  version: number;
  /** Refuses whatever the connection still asks and ends it. */
  revoke(): void;
}

export class LiveLogins {
  private readonly byPartner = new Map<string, Set<LiveLogin>>();
  private revokedCount = 0;
  /** The states last applied: a login whose account was read before them is checked on arrival. */
  private last: AccessStates | undefined;

  /** Tracks `login` until the returned function is called (the connection closed). */
  add(login: LiveLogin): () => void {
    const logins = this.byPartner.get(login.partner) ?? new Set<LiveLogin>();
    logins.add(login);
    this.byPartner.set(login.partner, logins);
    if (this.last && this.last.has(login.partner) && this.outdated(login, this.last)) {
      this.revokedCount += 1;
      login.revoke();
    }
    return () => {
      logins.delete(login);
      if (logins.size === 0 && this.byPartner.get(login.partner) === logins) this.byPartner.delete(login.partner);
    };
  }

  /** Ends the logins whose access `states` no longer grant; returns them. */
  apply(states: AccessStates): LiveLogin[] {
    this.last = states;
    const ended: LiveLogin[] = [];
    for (const logins of this.byPartner.values()) {
      for (const login of logins) if (this.outdated(login, states)) ended.push(login);
    }
    for (const login of ended) login.revoke();
    this.revokedCount += ended.length;
    return ended;
  }

  private outdated(login: LiveLogin, states: AccessStates): boolean {
    const version = states.get(login.partner);
    return version === undefined || login.version < version;
  }

  /** Logins ended for access taken away, since start (for metrics). */
  get revoked(): number {
    return this.revokedCount;
  }
}
