import { describe, expect, it } from 'vitest';
import { StartupGate } from './startup-gate.js';

/** A gate with dice the test sets: `roll` is what the next random() returns. */
function setup(max = 6, dropFrom = 3, dropPercent = 30) {
  const dice = { roll: 0.99 };
  const gate = new StartupGate<string>(() => ({ max, dropFrom, dropPercent }), () => dice.roll);
  return { gate, dice };
}

describe('StartupGate', () => {
  it('admits freely below dropFrom', () => {
    const { gate, dice } = setup();
    dice.roll = 0;
    expect(['a1', 'a2', 'a3'].map((entry) => gate.enter(entry, '10.0.0.1'))).toEqual([{ admit: true }, { admit: true }, { admit: true }]);
    expect(gate.size).toBe(3);
  });

  it('drops at random between dropFrom and max, with a chance rising from dropPercent to 100', () => {
    const { gate, dice } = setup(6, 2, 30);
    gate.enter('a1', '10.0.0.1');
    gate.enter('a2', '10.0.0.1');
    // 2 waiting: the chance is 30 %.
    dice.roll = 0.29;
    expect(gate.enter('a3', '10.0.0.1')).toEqual({ admit: false, why: 'early_drop' });
    dice.roll = 0.3;
    expect(gate.enter('a3', '10.0.0.1')).toEqual({ admit: true });
    // 3 waiting: 30 + 70 × 1/4 = 47.5 %.
    dice.roll = 0.47;
    expect(gate.enter('a4', '10.0.0.1')).toEqual({ admit: false, why: 'early_drop' });
    dice.roll = 0.48;
    expect(gate.enter('a4', '10.0.0.1')).toEqual({ admit: true });
  });

  it('never drops at random a newcomer whose address has nothing waiting', () => {
    const { gate, dice } = setup(6, 1, 100);
    gate.enter('a1', '10.0.0.1');
    dice.roll = 0;
    expect(gate.enter('a2', '10.0.0.1')).toEqual({ admit: false, why: 'early_drop' });
    expect(gate.enter('b1', '10.0.0.2')).toEqual({ admit: true });
  });

  it('at the cap, lets a lighter address displace the oldest entry of the heaviest one', () => {
    const { gate, dice } = setup(4, 4, 30);
    dice.roll = 0;
    gate.enter('b1', '10.0.0.2');
    gate.enter('a1', '10.0.0.1');
    gate.enter('a2', '10.0.0.1');
    gate.enter('a3', '10.0.0.1');
    expect(gate.enter('c1', '10.0.0.3')).toEqual({ admit: true, displaced: 'a1' });
    expect(gate.size).toBe(4);
    expect(gate.entriesOf('10.0.0.1')).toEqual(['a2', 'a3']);
    // 10.0.0.1 still holds two against 10.0.0.3's one: displaced again. Then 10.0.0.3 is the
    // heaviest: its own newcomer is refused, and 10.0.0.1's displaces 10.0.0.3's oldest.
    expect(gate.enter('c2', '10.0.0.3')).toEqual({ admit: true, displaced: 'a2' });
    expect(gate.enter('c3', '10.0.0.3')).toEqual({ admit: false, why: 'full' });
    expect(gate.enter('a4', '10.0.0.1')).toEqual({ admit: true, displaced: 'c1' });
    expect(gate.enter('b2', '10.0.0.2')).toEqual({ admit: true, displaced: 'a3' });
    expect(gate.entriesOf('10.0.0.1')).toEqual(['a4']);
  });

  it('forgets what leaves, once', () => {
    const { gate } = setup(2, 2);
    gate.enter('a1', '10.0.0.1');
    gate.enter('a2', '10.0.0.1');
    gate.leave('a1');
    gate.leave('a1');
    expect(gate.size).toBe(1);
    expect(gate.enter('a3', '10.0.0.1')).toEqual({ admit: true });
    expect(gate.entriesOf('10.0.0.1')).toEqual(['a2', 'a3']);
  });
});
