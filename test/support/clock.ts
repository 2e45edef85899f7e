/** The one thing tests fake: time. It runs with the real clock, and can jump ahead. */
import type { Clock } from '../../src/core/clock.js';

export class FakeClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
