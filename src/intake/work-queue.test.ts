import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

/** A handler whose runs finish only when the test says so. */
function gatedHandler() {
  const started: string[] = [];
  const gates = new Map<string, () => void>();
  const handle = (item: string) =>
    new Promise<void>((resolve) => {
      started.push(item);
      gates.set(item, resolve);
    });
  const finish = async (item: string) => {
    gates.get(item)?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, handle, finish };
}

describe('WorkQueue', () => {
  it('runs up to `concurrency` items at once, the oldest first', async () => {
    const { started, handle, finish } = gatedHandler();
    const queue = new WorkQueue<string>(handle, () => undefined, 2);
    for (const key of ['a', 'b', 'c']) queue.push(key, key);
    expect(started).toEqual(['a', 'b']);
    await finish('a');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('b');
    await finish('c');
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('never runs one key twice at once, but takes news of a key in hand again afterwards', async () => {
    const { started, handle, finish } = gatedHandler();
    const queue = new WorkQueue<string>(handle, () => undefined, 4);
    queue.push('k', 'first');
    expect(queue.push('k', 'second')).toBe(true);
    expect(queue.push('k', 'third')).toBe(false); // already waiting
    queue.push('other', 'other');
    expect(started).toEqual(['first', 'other']);
    await finish('first');
    expect(started).toEqual(['first', 'other', 'second']);
    await finish('second');
    await finish('other');
    await queue.idle();
  });

  it('starts an item pushed now beside a full queue, but never beside its own key in hand', async () => {
    const { started, handle, finish } = gatedHandler();
    const queue = new WorkQueue<string>(handle, () => undefined, 1);
    queue.push('a', 'a');
    queue.push('b', 'b');
    queue.pushNow('now', 'now');
    expect(started).toEqual(['a', 'now']); // 'b' waits for the one worker
    queue.pushNow('a', 'a again');
    expect(started).toEqual(['a', 'now']); // 'a' is in hand: the news waits its turn
    await finish('now');
    await finish('a');
    expect(started).toEqual(['a', 'now', 'b']);
    await finish('b');
    expect(started).toEqual(['a', 'now', 'b', 'a again']);
    await finish('a again');
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('reports a failing item and goes on', async () => {
    const failed: string[] = [];
    const queue = new WorkQueue<string>(
      async (item) => {
        if (item === 'bad') throw new Error('boom');
      },
      (_err, key) => failed.push(key),
      1,
    );
    queue.push('bad', 'bad');
    queue.push('good', 'good');
    await queue.idle();
    expect(failed).toEqual(['bad']);
    expect(queue.size).toBe(0);
  });

  it('on stop, waits for the items in hand and leaves the rest', async () => {
    const { started, handle, finish } = gatedHandler();
    const queue = new WorkQueue<string>(handle, () => undefined, 1);
    queue.push('a', 'a');
    queue.push('b', 'b');
    let stopped = false;
    const stopping = queue.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    await finish('a');
    await stopping;
    expect(started).toEqual(['a']);
    expect(queue.push('c', 'c')).toBe(false);
  });

  it('runs exclusive work only while its key is not in hand, and holds the key meanwhile', async () => {
    const { started, handle, finish } = gatedHandler();
    const queue = new WorkQueue<string>(handle, () => undefined, 2);
    queue.push('k', 'first');
    const order: string[] = [];
    let release!: () => void;
    const exclusive = queue.exclusive('k', async () => {
      order.push('exclusive');
      await new Promise<void>((resolve) => (release = resolve));
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]); // 'first' is in hand
    await finish('first');
    expect(order).toEqual(['exclusive']);
    queue.push('k', 'second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['first']); // the key is held
    release();
    await exclusive;
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['first', 'second']);
    await finish('second');
    await queue.idle();
  });
});
