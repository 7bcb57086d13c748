// withDeadline: a check settles at its timeout or its caller's abort, and only unfinished work is cancelled.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  quoteSample,
  withDeadline,
  type Cancellation,
  type Outcome,
} from '../../src/probes/deadline.js';

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
    expect(await withDeadline(outer.signal, 1000, work)).toEqual({
      ok: false,
      reason: 'aborted',
      latencyMs: 0,
    });
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

  it('measures the latency from the start of the check to its settling', async () => {
    const result = withDeadline(new AbortController().signal, 0, async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      return { ok: true };
    });
    await vi.advanceTimersByTimeAsync(250);
    expect((await result).latencyMs).toBe(250);
  });

  it("passes the work's detail on, and adds none where the work gave none", async () => {
    const signal = new AbortController().signal;
    const withDetail = await withDeadline(signal, 0, () =>
      Promise.resolve({ ok: true, detail: 'HTTP 200' }),
    );
    const without = await withDeadline(signal, 0, () => Promise.resolve({ ok: true }));
    const failed = await withDeadline(signal, 0, () =>
      Promise.resolve({ ok: false, reason: 'HTTP 503', detail: 'body: ""' }),
    );
    expect(withDetail).toEqual({ ok: true, detail: 'HTTP 200', latencyMs: 0 });
    expect(without).toEqual({ ok: true, latencyMs: 0 });
    expect(failed).toEqual({ ok: false, reason: 'HTTP 503', detail: 'body: ""', latencyMs: 0 });
  });

  it('calls only the abort listeners still added when the deadline fires, each once', async () => {
    const calls: string[] = [];
    const first = (): void => void calls.push('first');
    const second = (): void => void calls.push('second');
    const third = (): void => void calls.push('third');
    const result = withDeadline(new AbortController().signal, 100, (cancellation) => {
      cancellation.removeEventListener('abort', first); // none added yet: nothing to remove
      cancellation.addEventListener('abort', first);
      cancellation.addEventListener('abort', second);
      cancellation.addEventListener('abort', third);
      cancellation.removeEventListener('abort', second);
      return new Promise<Outcome>(() => undefined);
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(await result).toMatchObject({ ok: false, reason: 'timeout after 0.1 s' });
    expect(calls).toEqual(['first', 'third']);
  });

  it('does not cancel work that failed by itself', async () => {
    let cancelled = false;
    const result = await withDeadline(new AbortController().signal, 5000, (cancellation) => {
      cancellation.addEventListener('abort', () => (cancelled = true));
      return Promise.reject(new Error('refused'));
    });
    expect(result).toMatchObject({ ok: false, reason: 'refused' });
    expect(cancelled).toBe(false);
  });
});

describe('quoteSample', () => {
  it('quotes and escapes a sample, and cuts it after the limit with an ellipsis', () => {
    expect(quoteSample('a"b\n')).toBe('"a\\"b\\n"');
    expect(quoteSample('x'.repeat(200))).toBe(`"${'x'.repeat(200)}"`);
    expect(quoteSample('x'.repeat(201))).toBe(`"${'x'.repeat(200)}…"`);
    expect(quoteSample('abcdef', 3)).toBe('"abc…"');
  });
});
