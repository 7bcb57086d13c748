// staggerMs: the services' first checks spread evenly over the interval, at most one second.
import { describe, expect, it } from 'vitest';
import { MAX_STAGGER_MS, staggerMs } from '../../src/runtime/runtime.js';

describe('staggerMs', () => {
  it('starts a lone service at once, as the reference does', () => {
    expect(staggerMs(0, 1, 5)).toBe(0);
  });

  it('spreads services evenly over an interval of one second or less', () => {
    expect([0, 1, 2, 3].map((i) => staggerMs(i, 4, 1))).toEqual([0, 250, 500, 750]);
    expect([0, 1].map((i) => staggerMs(i, 2, 0.5))).toEqual([0, 250]);
  });

  it('spreads over at most one second whatever the interval, so routes come up quickly', () => {
    const delays = Array.from({ length: 1000 }, (_, i) => staggerMs(i, 1000, 30));
    expect(Math.max(...delays)).toBeLessThan(MAX_STAGGER_MS);
    expect(delays[500]).toBe(500);
  });

  it('does not delay a service with interval 0, which checks once and exits', () => {
    expect(staggerMs(3, 4, 0)).toBe(0);
  });
});
