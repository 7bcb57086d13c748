// staggerMs: services start in groups, the groups spread evenly over the interval, at most one second.
import { describe, expect, it } from 'vitest';
import { MAX_STAGGER_MS, staggerMs } from '../../src/runtime/runtime.js';

/** How many services start at each delay. */
function groups(count: number, intervalSeconds: number, groupSize: number): Map<number, number> {
  const starts = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const delay = staggerMs(i, count, intervalSeconds, groupSize);
    starts.set(delay, (starts.get(delay) ?? 0) + 1);
  }
  return starts;
}

describe('staggerMs', () => {
  it('starts a lone service at once, as the reference does', () => {
    expect(staggerMs(0, 1, 5, 32)).toBe(0);
  });

  it('starts every service at once when they fit in one group', () => {
    expect([...groups(20, 1, 32)]).toEqual([[0, 20]]);
  });

  it('spreads groups of at most the group size evenly over an interval of up to one second', () => {
    expect([...groups(100, 1, 32)]).toEqual([
      [0, 25],
      [250, 25],
      [500, 25],
      [750, 25],
    ]);
    expect([...groups(4, 0.5, 1).keys()]).toEqual([0, 125, 250, 375]);
  });

  it('keeps a thousand services in groups of at most 32 over the first second', () => {
    const starts = groups(1000, 30, 32);
    expect(starts.size).toBe(32);
    expect(Math.max(...starts.values())).toBeLessThanOrEqual(32);
    expect(Math.max(...starts.keys())).toBeLessThan(MAX_STAGGER_MS);
  });

  it('does not delay a service with interval 0, which checks once and exits', () => {
    expect(staggerMs(3, 4, 0, 1)).toBe(0);
  });
});
