// Check policies and the global limiter, driven by probes the tests settle by hand.
import { describe, expect, it } from 'vitest';
import type { Probe, ProbeResult } from '../../src/core/probe.js';
import { combine, createLimiter, type NamedCheck } from '../../src/probes/policy.js';
import { waitFor } from '../support/servers.js';

const pass: ProbeResult = { ok: true, latencyMs: 1 };
const failWith = (reason: string): ProbeResult => ({ ok: false, latencyMs: 1, reason });

function fixed(name: string, result: ProbeResult, weight = 1): NamedCheck {
  return { name, weight, probe: () => Promise.resolve(result) };
}

/** A probe that records its calls and settles only when the test says so. */
function gated(): {
  probe: Probe;
  calls: number;
  running: number;
  settle(result?: ProbeResult): void;
  signals: AbortSignal[];
} {
  const waiting: ((result: ProbeResult) => void)[] = [];
  const gate = {
    calls: 0,
    /** Calls not yet settled. */
    get running() {
      return waiting.length;
    },
    signals: [] as AbortSignal[],
    probe: (signal: AbortSignal): Promise<ProbeResult> => {
      gate.calls++;
      gate.signals.push(signal);
      return new Promise<ProbeResult>((resolve) => waiting.push(resolve));
    },
    settle(result: ProbeResult = pass): void {
      const next = waiting.shift();
      if (!next) throw new Error('no call is waiting');
      next(result);
    },
  };
  return gate;
}

const signal = (): AbortSignal => new AbortController().signal;

describe('all policy', () => {
  it('passes when every check passes', async () => {
    const verdict = await combine([fixed('web', pass), fixed('db', pass)], { kind: 'all' })(
      signal(),
    );
    expect(verdict).toMatchObject({ ok: true, score: 2 });
    expect(verdict.results.map((outcome) => outcome.name)).toEqual(['web', 'db']);
  });

  it('fails naming every failing check with its reason', async () => {
    const checks = [
      fixed('web', failWith('HTTP 503')),
      fixed('cache', pass),
      fixed('db', failWith('connect ECONNREFUSED 127.0.0.1:5432')),
    ];
    const verdict = await combine(checks, { kind: 'all' })(signal());
    expect(verdict).toMatchObject({
      ok: false,
      reason: 'web: HTTP 503; db: connect ECONNREFUSED 127.0.0.1:5432',
    });
    expect(verdict.results.map((outcome) => outcome.result.ok)).toEqual([false, true, false]);
  });

  it('passes with no checks, as the reference does without a command', async () => {
    expect((await combine([], { kind: 'all' })(signal())).ok).toBe(true);
  });
});

describe('any policy', () => {
  it('passes when one check passes', async () => {
    const checks = [fixed('primary', failWith('timeout after 2 s')), fixed('secondary', pass)];
    expect(await combine(checks, { kind: 'any' })(signal())).toMatchObject({
      ok: true,
      detail: '1 of 2 checks passed',
    });
  });

  it('fails naming every check when all fail', async () => {
    const checks = [fixed('a', failWith('HTTP 500')), fixed('b', failWith('timeout after 2 s'))];
    expect(await combine(checks, { kind: 'any' })(signal())).toMatchObject({
      ok: false,
      reason: 'every check failed: a: HTTP 500; b: timeout after 2 s',
    });
  });
});

describe('weighted policy', () => {
  const checks = [
    fixed('web', pass, 50),
    fixed('db', failWith('HTTP 503'), 30),
    fixed('cache', pass, 20),
  ];

  it('passes when the weights of passing checks reach the threshold', async () => {
    expect(await combine(checks, { kind: 'weighted', threshold: 70 })(signal())).toMatchObject({
      ok: true,
      score: 70,
    });
  });

  it('fails below the threshold, giving the score and the failing checks', async () => {
    expect(await combine(checks, { kind: 'weighted', threshold: 71 })(signal())).toMatchObject({
      ok: false,
      score: 70,
      reason: 'score 70 < 71 (db: HTTP 503)',
    });
  });

  it('fails when every check passes but their weights stay below the threshold', async () => {
    const light = [fixed('a', pass, 1), fixed('b', pass, 1)];
    expect(await combine(light, { kind: 'weighted', threshold: 3 })(signal())).toMatchObject({
      ok: false,
      reason: 'score 2 < 3',
    });
  });
});

describe('running the checks', () => {
  it('starts every check of a service before any of them finishes', async () => {
    const first = gated();
    const second = gated();
    const checks = [
      { name: 'first', weight: 1, probe: first.probe },
      { name: 'second', weight: 1, probe: second.probe },
    ];
    const pending = combine(checks, { kind: 'all' })(signal());
    expect(await waitFor(() => first.calls === 1 && second.calls === 1)).toBe(true);
    expect(first.running + second.running).toBe(2);
    second.settle();
    first.settle();
    expect((await pending).ok).toBe(true);
  });

  it('passes its signal to every check', async () => {
    const probe = gated();
    const controller = new AbortController();
    const pending = combine([{ name: 'p', weight: 1, probe: probe.probe }], { kind: 'all' })(
      controller.signal,
    );
    expect(probe.signals).toEqual([controller.signal]);
    probe.settle();
    await pending;
  });

  it('counts a probe that throws or rejects as a failed check', async () => {
    const checks: NamedCheck[] = [
      {
        name: 'throws',
        weight: 1,
        probe: () => {
          throw new Error('boom');
        },
      },
      { name: 'rejects', weight: 1, probe: () => Promise.reject(new Error('bang')) },
    ];
    expect(await combine(checks, { kind: 'all' })(signal())).toMatchObject({
      ok: false,
      reason: 'throws: probe error: boom; rejects: probe error: bang',
    });
  });
});

describe('limiter', () => {
  it('bounds how many checks run at once across services', async () => {
    const limiter = createLimiter(2);
    const probe = gated();
    let peak = 0;
    const watched: Probe = (s) => {
      const result = probe.probe(s);
      peak = Math.max(peak, probe.running);
      return result;
    };
    const service = (names: string[]) =>
      combine(
        names.map((name) => ({ name, weight: 1, probe: watched })),
        { kind: 'all' },
        limiter,
      )(signal());
    const verdicts = Promise.all([service(['a', 'b', 'c']), service(['d', 'e'])]);
    expect(await waitFor(() => probe.calls === 2)).toBe(true);
    expect(limiter.waiting).toBe(3);
    for (let settled = 0; settled < 5; settled++) {
      expect(await waitFor(() => probe.running > 0)).toBe(true);
      probe.settle();
    }
    const [one, two] = await verdicts;
    expect(one.ok && two.ok).toBe(true);
    expect(probe.calls).toBe(5);
    expect(peak).toBe(2);
    expect(limiter.active).toBe(0);
  });

  it('frees its slot when a check fails by throwing', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limiter.run(() => Promise.resolve(7))).resolves.toBe(7);
    expect(limiter.active).toBe(0);
  });

  it('never starts a waiting check whose service was aborted', async () => {
    const limiter = createLimiter(1);
    const blocker = gated();
    const waiting = gated();
    const first = combine(
      [{ name: 'blocker', weight: 1, probe: blocker.probe }],
      { kind: 'all' },
      limiter,
    )(signal());
    const controller = new AbortController();
    const second = combine(
      [{ name: 'late', weight: 1, probe: waiting.probe }],
      { kind: 'all' },
      limiter,
    )(controller.signal);
    expect(limiter.waiting).toBe(1);
    controller.abort();
    expect(await second).toMatchObject({ ok: false, reason: 'late: aborted' });
    expect(limiter.waiting).toBe(0);
    blocker.settle();
    expect((await first).ok).toBe(true);
    expect(waiting.calls).toBe(0);
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createLimiter(0)).toThrow(RangeError);
    expect(() => createLimiter(1.5)).toThrow(RangeError);
    expect(createLimiter(Infinity).active).toBe(0);
  });
});
