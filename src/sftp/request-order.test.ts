import { describe, expect, it } from 'vitest';
import { RequestOrder } from './request-order.js';

/** A piece of work that finishes when told to, and records when it starts and ends. */
function step(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    work: async () => {
      log.push(`${name}:start`);
      await done;
      log.push(`${name}:end`);
    },
    finish: () => finish(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('RequestOrder', () => {
  it('runs READs and WRITEs side by side', async () => {
    const order = new RequestOrder();
    const log: string[] = [];
    const a = step(log, 'write1');
    const b = step(log, 'write2');
    const runs = [order.concurrent(a.work), order.concurrent(b.work)];
    await settle();
    expect(log).toEqual(['write1:start', 'write2:start']);
    expect(order.inFlight).toBe(2);
    b.finish();
    a.finish();
    await Promise.all(runs);
    expect(order.inFlight).toBe(0);
  });

  it('holds a CLOSE until the WRITEs before it are done, and what follows until the CLOSE is', async () => {
    const order = new RequestOrder();
    const log: string[] = [];
    const write = step(log, 'write');
    const close = step(log, 'close');
    const rename = step(log, 'rename');
    const later = step(log, 'write-after');
    const runs = [order.concurrent(write.work), order.exclusive(close.work), order.exclusive(rename.work), order.concurrent(later.work)];
    await settle();
    expect(log).toEqual(['write:start']);
    write.finish();
    await settle();
    expect(log).toEqual(['write:start', 'write:end', 'close:start']);
    close.finish();
    await settle();
    expect(log.slice(-1)).toEqual(['rename:start']);
    rename.finish();
    await settle();
    expect(log.slice(-1)).toEqual(['write-after:start']);
    later.finish();
    await Promise.all(runs);
  });

  it('goes on after a request fails', async () => {
    const order = new RequestOrder();
    const failed = order.exclusive(async () => {
      throw new Error('refused');
    });
    await expect(failed).rejects.toThrow('refused');
    await expect(order.exclusive(async () => 'next')).resolves.toBe('next');
    await expect(order.concurrent(async () => 'read')).resolves.toBe('read');
    expect(order.inFlight).toBe(0);
  });
});
