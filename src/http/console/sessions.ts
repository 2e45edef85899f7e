/**
 * Console sessions, kept in memory: a random id in an HttpOnly, SameSite=Strict cookie, an
 * absolute and an idle expiry, and a CSRF token per session that every POST must echo. A login
 * gets a new id (a session fixed before the login is worth nothing after it). A restart logs
 * everyone out, which is the safe way to lose them.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { OperatorRole } from '../../store/operators.js';

/** The cookie's name; its path is `/console`, so /metrics never sees it. */
export const SESSION_COOKIE = 'posdrop_console';

export interface Session {
  id: string;
  csrf: string;
  /** Null before login: the login form's session, for its CSRF token. */
  operator: { name: string; role: OperatorRole } | null;
  createdAt: number;
  seenAt: number;
  /** What the last action did, shown once on the next page. */
  flash?: string | undefined;
}

export interface SessionLimits {
  sessionMs: number;
  idleMs: number;
  now: () => Date;
}

/** Sessions beyond this are dropped oldest first: login forms cannot fill the memory. */
const MAX_SESSIONS = 5_000;

const token = () => randomBytes(32).toString('base64url');

export class Sessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly limits: SessionLimits) {}

  /** The live session of `id`, its idle time renewed; undefined if unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.limits.now().getTime();
    const idle = session.operator ? this.limits.idleMs : Math.min(this.limits.idleMs, 3_600_000);
    if (now - session.createdAt > this.limits.sessionMs || now - session.seenAt > idle) {
      this.sessions.delete(id);
      return undefined;
    }
    session.seenAt = now;
    return session;
  }

  /** A new session, anonymous or of `operator`. */
  create(operator: Session['operator']): Session {
    const now = this.limits.now().getTime();
    const session: Session = { id: token(), csrf: token(), operator, createdAt: now, seenAt: now };
    this.sessions.set(session.id, session);
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of `name` (disabled, password changed). */
  endAllOf(name: string): void {
    for (const [id, session] of this.sessions) if (session.operator?.name === name) this.sessions.delete(id);
  }

  /** Seconds a new session's cookie should last. */
  get maxAgeSeconds(): number {
    return Math.floor(this.limits.sessionMs / 1000);
  }
}

/** True when `given` is the session's CSRF token, compared in constant time. */
export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(session.csrf);
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
