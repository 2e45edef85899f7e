/**
 * For a PostgreSQL test of two transactions at once: resolves when `count` backends wait for a
 * lock (the second file of a partner blocked on the first's), so that the test can then let the
 * first go on, knowing the second was held back rather than merely slow.
 */
import type { EngineUnderTest } from './engine-stores.js';

export async function lockWaiters(engine: EngineUnderTest, count = 1): Promise<void> {
  for (;;) {
    const [row] = await engine.rows<{ n: number }>('SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted');
    if ((row?.n ?? 0) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A gate a transaction waits at until the test opens it. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
