/**
 * The room for connections that have not logged in yet, kept apart from the room of logged-in
 * sessions (OpenSSH's MaxStartups start:rate:full). Idle sockets cost an attacker nothing, so
 * they must never be able to take every slot a partner needs to log in:
 * - from `dropFrom` waiting connections on, a newcomer is refused at random, with a chance that
 *   rises from `dropPercent` to 100 at `max`; but an address with nothing waiting is never
 *   refused at random, so a partner's one login does not pay for somebody else's flood;
 * - at `max`, a newcomer from an address that holds fewer waiting connections than the heaviest
 *   one takes the place of that address's oldest waiting connection; otherwise it is refused.
 * So a few addresses cannot keep out everyone else, and a partner's login, which waits for a few
 * hundred milliseconds at most, is the newest entry and the last one to be displaced.
 * Pure bookkeeping: the caller closes what it is told to close.
 */
export interface StartupLimits {
  max: number;
  dropFrom: number;
  dropPercent: number;
}

export type StartupVerdict<T> =
  | { admit: true; displaced?: T }
  | { admit: false; why: 'early_drop' | 'full' };

export class StartupGate<T> {
  /** Waiting connections in arrival order (a Map keeps insertion order). */
  private readonly waiting = new Map<T, string>();
  private readonly perAddress = new Map<string, number>();

  /**
   * @param limits read at each decision, so that a reloaded configuration applies at once
   * @param random a number in [0, 1); injectable so tests can decide the dice
   */
  constructor(
    private readonly limits: () => StartupLimits,
    private readonly random: () => number = Math.random,
  ) {}

  /** Connections waiting to log in right now. */
  get size(): number {
    return this.waiting.size;
  }

  /** Decides about a newcomer from `address`; an admitted one is counted as waiting. */
  enter(entry: T, address: string): StartupVerdict<T> {
    const { max, dropFrom, dropPercent } = this.limits();
    const own = this.perAddress.get(address) ?? 0;
    const count = this.waiting.size;
    let displaced: T | undefined;
    if (count >= max) {
      displaced = this.heaviestOldest(own);
      if (displaced === undefined) return { admit: false, why: 'full' };
      this.leave(displaced);
    } else if (count >= dropFrom && own > 0) {
      const span = Math.max(1, max - dropFrom);
      const chance = dropPercent + ((100 - dropPercent) * (count - dropFrom)) / span;
      if (this.random() * 100 < chance) return { admit: false, why: 'early_drop' };
    }
    this.waiting.set(entry, address);
    this.perAddress.set(address, own + 1);
    return displaced === undefined ? { admit: true } : { admit: true, displaced };
  }

  /** The connection logged in or closed; idempotent. */
  leave(entry: T): void {
    const address = this.waiting.get(entry);
    if (address === undefined) return;
    this.waiting.delete(entry);
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  /** Waiting connections of `address`, oldest first. */
  entriesOf(address: string): T[] {
    return [...this.waiting].filter(([, from]) => from === address).map(([entry]) => entry);
  }

  /** The oldest waiting entry of the address that holds the most, if it holds more than `than`. */
  private heaviestOldest(than: number): T | undefined {
    let heaviest = than;
    for (const held of this.perAddress.values()) heaviest = Math.max(heaviest, held);
    if (heaviest <= than) return undefined;
    for (const [entry, address] of this.waiting) if (this.perAddress.get(address) === heaviest) return entry;
    return undefined;
  }
}
