import { describe, expect, it } from 'vitest';
import { closestName, didYouMean } from '../../src/config/did-you-mean.js';

describe('closestName', () => {
  const names = ['--interval', '--fast-interval', '--timeout', '--fall', '--rise'];

  it('finds a name one typo away, an extra letter, a missing one or two swapped', () => {
    expect(closestName('--intervall', names)).toBe('--interval');
    expect(closestName('--timout', names)).toBe('--timeout');
    expect(closestName('--tiemout', names)).toBe('--timeout');
  });

  it('suggests nothing for a name far from every known one', () => {
    expect(closestName('--zzz', names)).toBeUndefined();
    expect(didYouMean('--colour', names)).toBe('');
  });

  it('words the hint', () => {
    expect(didYouMean('--rize', names)).toBe('; did you mean --rise?');
  });
});
