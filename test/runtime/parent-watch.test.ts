import { describe, expect, it } from 'vitest';
import { watchParent } from '../../src/runtime/parent-watch.js';
import { ManualClock } from '../support/manual-clock.js';

describe('watchParent', () => {
  it('notices a parent that died during the start-up, before the watch began', async () => {
    // The parent at start was 4242; by the time the watch starts, the reaper (1) has adopted us.
    const clock = new ManualClock();
    let gone = 0;
    watchParent(() => gone++, { clock, everyMs: 1000, parent: 4242, currentParent: () => 1 });
    await clock.advance(1000);
    expect(gone).toBe(1);
    await clock.advance(5000);
    expect(gone).toBe(1);
  });

  it('says nothing while the parent stays, and notices it leaving at the next look', async () => {
    const clock = new ManualClock();
    let ppid = 4242;
    let gone = 0;
    watchParent(() => gone++, { clock, everyMs: 1000, parent: 4242, currentParent: () => ppid });
    await clock.advance(3000);
    expect(gone).toBe(0);
    ppid = 1;
    await clock.advance(999);
    expect(gone).toBe(0);
    await clock.advance(1);
    expect(gone).toBe(1);
  });

  it('looks no more once stopped', async () => {
    const clock = new ManualClock();
    let ppid = 4242;
    let gone = 0;
    const stop = watchParent(() => gone++, {
      clock,
      everyMs: 1000,
      parent: 4242,
      currentParent: () => ppid,
    });
    await clock.advance(1000);
    stop();
    ppid = 1;
    await clock.advance(5000);
    expect(gone).toBe(0);
  });
});
