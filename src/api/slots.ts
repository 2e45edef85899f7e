/**
 * Caps on requests in progress, in total and per partner: one partner's batch of uploads must not
 * take every slot from the others. A slot is given back when the response closes, whether it was
 * answered or the client went away.
 */
import type { ServerResponse } from 'node:http';

export class RequestSlots {
  private total = 0;
  private readonly perPartner = new Map<string, number>();

  constructor(private readonly limits: () => { total: number; perPartner: number }) {}

  /** Takes a slot of the whole listener until `res` closes; false when all are taken. */
  takeTotal(res: ServerResponse): boolean {
    if (this.total >= this.limits().total) return false;
    this.total += 1;
    res.once('close', () => (this.total -= 1));
    return true;
  }

  /** Takes one of the partner's slots until `res` closes; false when the partner has them all. */
  takePartner(partner: string, res: ServerResponse): boolean {
    const used = this.perPartner.get(partner) ?? 0;
    if (used >= this.limits().perPartner) return false;
    this.perPartner.set(partner, used + 1);
    res.once('close', () => {
      const left = (this.perPartner.get(partner) ?? 1) - 1;
      if (left > 0) this.perPartner.set(partner, left);
      else this.perPartner.delete(partner);
    });
    return true;
  }

  get inProgress(): number {
    return this.total;
  }
}
