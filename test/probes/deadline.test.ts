// withDeadline: a check settles at its timeout or its caller's abort, and only unfinished work is cancelled.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withDeadline, type Cancellation, type Outcome } from '../../src/probes/deadline.js';

/** Work that never settles by itself and records whether it was cancelled. */
function hanging(): { work: (c: Cancellation) => Promise<Outcome>; cancelled: () => boolean } {
  let cancelled = false;
  return {
    work: (cancellation) =>
      new Promise<Outcome>(() => {
        cancellation.addEventListener('abort', () => (cancelled = true), { once: true });
      }),
    cancelled: () => cancelled,
  };
}

describe('withDeadline', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('settles as a timeout when the work outlasts its limit, and cancels the work', async () => {
    const { work, cancelled } = hanging();
    const result = withDeadline(new AbortController().signal, 2000, work);
    await vi.advanceTimersByTimeAsync(1999);
    expect(cancelled()).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toMatchObject({ ok: false, reason: 'timeout after 2 s' });
    expect(cancelled()).toBe(true);
  });

  it("settles as aborted when the caller's signal aborts, and cancels the work", async () => {
    const { work, cancelled } = hanging();
    const outer = new AbortController();
    const result = withDeadline(outer.signal, 0, work);
    outer.abort();
    expect(await result).toMatchObject({ ok: false, reason: 'aborted' });
    expect(cancelled()).toBe(true);
  });

  it('does not cancel work that finished by itself, and leaves no timer behind', async () => {
    let cancelled = false;
    const result = await withDeadline(new AbortController().signal, 5000, (cancellation) => {
      cancellation.addEventListener('abort', () => (cancelled = true));
      return Promise.resolve({ ok: true });
    });
    expect(result.ok).toBe(true);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(vi.getTimerCount()).toBe(0);
    expect(cancelled).toBe(false);
  });

  it('turns a synchronous throw and a rejection into failed checks', async () => {
    const signal = new AbortController().signal;
    const thrown = await withDeadline(signal, 0, () => {
      throw new Error('bad spec');
    });
    const rejected = await withDeadline(signal, 0, () => Promise.reject(new Error('refused')));
    expect(thrown).toMatchObject({ ok: false, reason: 'bad spec' });
    expect(rejected).toMatchObject({ ok: false, reason: 'refused' });
  });

  it('does not start work when the caller has already aborted', async () => {
    const outer = new AbortController();
    outer.abort();
    const work = vi.fn((): Promise<Outcome> => Promise.resolve({ ok: true }));
    expect(await withDeadline(outer.signal, 1000, work)).toMatchObject({ reason: 'aborted' });
    expect(work).not.toHaveBeenCalled();
  });

  it('listens to the caller signal once however many checks run under it, and its abort still reaches the one in flight', async () => {
    const outer = new AbortController();
    const add = vi.spyOn(outer.signal, 'addEventListener');
    for (let i = 0; i < 100; i++) {
      await withDeadline(outer.signal, 1000, () => Promise.resolve({ ok: true }));
    }
    const { work, cancelled } = hanging();
    const result = withDeadline(outer.signal, 0, work);
    expect(add).toHaveBeenCalledTimes(1);
    outer.abort();
    expect(await result).toMatchObject({ ok: false, reason: 'aborted' });
    expect(cancelled()).toBe(true);
  });
});
