// The MED range rule: each state's metric plus the increase for every following prefix stays in 32 bits.
import { describe, expect, it } from 'vitest';
import { MAX_MED, medsOutOfRange } from '../../src/core/route.js';

const metrics = { UP: 100, DOWN: 1000, DISABLED: 500 };

describe('medsOutOfRange', () => {
  it('finds nothing when every MED of every state fits', () => {
    expect(medsOutOfRange({ metrics, increase: 1 }, 3)).toEqual([]);
    expect(medsOutOfRange({ metrics: { UP: 0, DOWN: 0, DISABLED: 0 }, increase: 0 }, 10)).toEqual(
      [],
    );
  });

  it('names every state whose last MED goes below 0, with the value it reaches', () => {
    expect(medsOutOfRange({ metrics, increase: -200 }, 2)).toEqual([
      {
        state: 'UP',
        last: -100n,
        message:
          'with increase -200 over 2 prefixes the UP metric reaches -100, outside 0 to 4294967295',
      },
    ]);
  });

  it('finds a MED past 4294967295 and accepts one that reaches it exactly', () => {
    const top = { UP: MAX_MED - 2, DOWN: 1000, DISABLED: 500 };
    expect(medsOutOfRange({ metrics: top, increase: 1 }, 3)).toEqual([]);
    expect(medsOutOfRange({ metrics: top, increase: 1 }, 4).map((p) => [p.state, p.last])).toEqual([
      ['UP', 4294967296n],
    ]);
  });

  it('computes exactly where a Number would lose precision', () => {
    const [problem] = medsOutOfRange({ metrics, increase: MAX_MED }, 2n ** 40n);
    expect(problem!.last).toBe(100n + (2n ** 40n - 1n) * 4294967295n);
  });

  it('checks the first MED alone when there are no prefixes', () => {
    expect(medsOutOfRange({ metrics, increase: -MAX_MED }, 0)).toEqual([]);
  });
});
