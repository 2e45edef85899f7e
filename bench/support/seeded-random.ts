/**
 * A small seeded generator of numbers in [0, 1) (mulberry32): the same sequence on every run, so
 * that two bench runs measure the same bytes and a fuzz input can be made again from its number.
 */
export type Random = () => number;

/** Numbers in [0, 1), the same sequence for the same `seed`. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
