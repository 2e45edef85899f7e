/**
 * Connections logged in, by partner, with the credentials version they logged in with, so that
 * access taken away (disabled, new password, removed key) ends them at once rather than at the
 * idle timeout.
 */

/** A partner's access as the store last said: its credentials version, and whether it may log in. */
export interface AccessState {
  version: number;
  enabled: boolean;
}

/** Every partner's current access; a partner missing from the map is gone. */
export type AccessStates = ReadonlyMap<string, AccessState>;

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
    // Only a version the login predates: its account may have been read after the last states
    // (a partner enabled again since), and disabling raises the version anyway.
    const last = this.last?.get(login.partner);
    if (last && login.version < last.version) {
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
    const state = states.get(login.partner);
    return state === undefined || !state.enabled || login.version < state.version;
  }

  /** Logins ended for access taken away, since start (for metrics). */
  get revoked(): number {
    return this.revokedCount;
  }
}
