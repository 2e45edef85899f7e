import { describe, expect, it } from 'vitest';
import { ReloadQueue } from './reload-queue.js';

/** Lets every settled promise's callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('the reload queue (SIGHUP)', () => {
  it('keeps a SIGHUP that comes during start-up until start-up is done', async () => {
    const events: string[] = [];
    const queue = new ReloadQueue(async () => void events.push('reload'));
    void queue.request();
    await settle();
    expect(events).toEqual([]);
    events.push('ready');
    queue.started();
    await settle();
    expect(events).toEqual(['ready', 'reload']);
  });

  it('runs reloads one at a time, in the order they were asked for', async () => {
    const events: string[] = [];
    let n = 0;
    const queue = new ReloadQueue(async () => {
      const mine = (n += 1);
      events.push(`begin ${mine}`);
      await settle();
      events.push(`end ${mine}`);
    });
    queue.started();
    await Promise.all([queue.request(), queue.request()]);
    expect(events).toEqual(['begin 1', 'end 1', 'begin 2', 'end 2']);
  });

  it('goes on after a reload that failed', async () => {
    let n = 0;
    const queue = new ReloadQueue(async () => {
      n += 1;
      if (n === 1) throw new Error('the first one broke');
    });
    queue.started();
    await expect(queue.request()).rejects.toThrow('the first one broke');
    await queue.request();
    expect(n).toBe(2);
  });
});
