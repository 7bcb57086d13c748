// One service's loop on a manual clock: cycle counts, start-to-start periods, debounce, hooks, hysteresis.
import { describe, expect, it } from 'vitest';
import type { AnnounceTarget } from '../../src/core/announcer.js';
import type { ServiceState } from '../../src/core/route-target.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Hooks, Timing } from '../../src/core/service.js';
import type { CheckReport } from '../../src/runtime/observer.js';
import { ServiceRunner, type RunEnd } from '../../src/runtime/service-runner.js';
import { ManualClock, flush } from '../support/manual-clock.js';
import { routePolicy } from '../support/route-policy.js';
import { testService } from '../support/service.js';

interface Options {
  readonly timing?: Partial<Timing>;
  readonly hooks?: Hooks;
  /** Check results in order; the last one repeats. */
  readonly tape?: readonly boolean[];
  /** Disable-file presence per cycle; the last one repeats. */
  readonly disabledTape?: readonly boolean[];
  /** Fake milliseconds each check takes. */
  readonly checkMs?: number;
  readonly random?: () => number;
  /** Passed to `run`: how long the first check waits. */
  readonly startDelayMs?: number;
}

function harness(options: Options = {}) {
  const clock = new ManualClock(1_000_000);
  const t0 = clock.now();
  const at = (): number => clock.now() - t0;
  const checkStarts: number[] = [];
  const announced: { state: AnnounceTarget; at: number }[] = [];
  const hooks: { commands: readonly string[]; state: ServiceState }[] = [];
  let last: AnnounceTarget | null = null;
  const tape = options.tape ?? [true];
  const disabledTape = options.disabledTape ?? [false];
  let cycle = 0;
  const service = testService({
    timing: { interval: 5, rise: 3, fall: 3, ...options.timing },
    hooks: options.hooks ?? { any: [], byState: {} },
    routes: routePolicy(['198.51.100.10']),
  });
  let disabledIndex = 0;
  const runner = new ServiceRunner(service, {
    clock,
    isDisabled: () => disabledTape[Math.min(disabledIndex++, disabledTape.length - 1)]!,
    check: async (signal): Promise<CheckReport> => {
      checkStarts.push(at());
      const ok = tape[Math.min(cycle++, tape.length - 1)]!;
      if (options.checkMs) await clock.sleep(options.checkMs, signal);
      return { ok, reason: ok ? 'ok' : 'exit 1', durationMs: options.checkMs ?? 0, checks: [] };
    },
    runHooks: (commands, state) => {
      hooks.push({ commands, state });
      return Promise.resolve();
    },
    announce: (state) => {
      last = state;
      announced.push({ state, at: at() });
      return Promise.resolve();
    },
    lastAnnounced: () => last,
    log: silentLogger,
    ...(options.random ? { random: options.random } : {}),
  });
  const controller = new AbortController();
  let ended: RunEnd | null = null;
  const done = runner.run(controller.signal, options.startDelayMs).then((end) => (ended = end));
  return {
    clock,
    runner,
    checkStarts,
    announced,
    hooks,
    states: () => announced.map((a) => a.state),
    ended: () => ended,
    async stop(): Promise<RunEnd> {
      controller.abort();
      await flush();
      return done;
    },
  };
}

describe('ServiceRunner', () => {
  it('reaches UP after rise checks a fast interval apart, then DOWN after fall failures', async () => {
    const h = harness({ tape: [true, true, true, true, false, false, false, false] });
    await h.clock.advance(17_000);
    // Three checks 1 s apart to rise, the normal 5 s once UP, then three failures 1 s apart to fall.
    expect(h.checkStarts).toEqual([0, 1000, 2000, 7000, 12_000, 13_000, 14_000]);
    expect(h.announced).toEqual([
      { state: 'UP', at: 2000 },
      { state: 'UP', at: 7000 },
      { state: 'DOWN', at: 14_000 },
    ]);
    expect(h.runner.snapshot.health).toEqual({ state: 'DOWN', count: 3 });
    expect(await h.stop()).toBe('stopped');
  });

  it('measures the period from the start of one check to the start of the next', async () => {
    const h = harness({ tape: [true], checkMs: 300 });
    await h.clock.advance(12_500);
    expect(h.checkStarts).toEqual([0, 1000, 2000, 7000, 12_000]);
    expect(h.announced.map((a) => a.at)).toEqual([2300, 7300, 12_300]);
    await h.stop();
  });

  it('starts the next check at once when a check outlasts the period', async () => {
    const h = harness({ tape: [true], checkMs: 6000, timing: { rise: 1 } });
    await h.clock.advance(6000);
    expect(h.checkStarts).toEqual([0, 6000]);
    await h.stop();
  });

  it('ends after the first announcement with interval 0', async () => {
    const h = harness({ tape: [true], timing: { interval: 0, rise: 1 } });
    await h.clock.advance(0);
    expect(h.ended()).toBe('end');
    expect(h.states()).toEqual(['UP']);
    expect(h.checkStarts).toEqual([0]);
  });

  it('keeps checking through RISING with interval 0, at the fast interval, until it announces', async () => {
    const h = harness({ tape: [true], timing: { interval: 0 } });
    await h.clock.advance(1500);
    expect(h.ended()).toBeNull();
    await h.clock.advance(500);
    expect(h.ended()).toBe('end');
    expect(h.checkStarts).toEqual([0, 1000, 2000]);
    expect(h.states()).toEqual(['UP']);
  });

  it('ends in DOWN with interval 0 after fall failures', async () => {
    const h = harness({ tape: [false], timing: { interval: 0, fall: 2 } });
    await h.clock.advance(1000);
    expect(h.ended()).toBe('end');
    expect(h.states()).toEqual(['DOWN']);
  });

  it('announces every cycle in UP, DOWN and DISABLED without debounce', async () => {
    const h = harness({
      tape: [true, true, false, false],
      disabledTape: [false, false, false, false, true],
      timing: { rise: 1, fall: 1 },
    });
    await h.clock.advance(30_000);
    expect(h.states()).toEqual(['UP', 'UP', 'DOWN', 'DOWN', 'DISABLED', 'DISABLED', 'DISABLED']);
    await h.stop();
  });

  it('announces only when the state changed with debounce', async () => {
    const h = harness({
      tape: [true, true, false, false, true],
      timing: { rise: 1, fall: 1, debounce: true },
    });
    await h.clock.advance(30_000);
    expect(h.checkStarts).toHaveLength(7);
    expect(h.announced).toEqual([
      { state: 'UP', at: 0 },
      { state: 'DOWN', at: 10_000 },
      { state: 'UP', at: 20_000 },
    ]);
    await h.stop();
  });

  it('writes nothing in INIT, RISING or FALLING', async () => {
    const h = harness({ tape: [true, true, false, false, true, true] });
    await h.clock.advance(5500);
    expect(h.checkStarts).toHaveLength(6);
    expect(h.announced).toEqual([]);
    await h.stop();
  });

  it("runs the state's own hooks, then the common ones, on each transition only", async () => {
    const h = harness({
      tape: [true, true, false],
      disabledTape: [false, false, false, true, true, false],
      timing: { rise: 2, fall: 1 },
      hooks: {
        any: ['log any', 'log again'],
        byState: { UP: ['up'], DOWN: ['down'], DISABLED: ['disabled'] },
      },
    });
    await h.clock.advance(30_000);
    expect(h.hooks).toEqual([
      { state: 'RISING', commands: ['log any', 'log again'] },
      { state: 'UP', commands: ['up', 'log any', 'log again'] },
      { state: 'DOWN', commands: ['down', 'log any', 'log again'] },
      { state: 'DISABLED', commands: ['disabled', 'log any', 'log again'] },
      { state: 'INIT', commands: ['log any', 'log again'] },
      // fall 1: the reference's trigger() turns FALLING into DOWN and runs DOWN's hooks.
      { state: 'DOWN', commands: ['down', 'log any', 'log again'] },
    ]);
    await h.stop();
  });

  it('holds UP for min-state-time, re-announcing UP, then goes DOWN', async () => {
    const h = harness({ tape: [true, false], timing: { rise: 1, fall: 1, minStateTime: 10 } });
    await h.clock.advance(15_000);
    expect(h.announced).toEqual([
      { state: 'UP', at: 0 },
      { state: 'UP', at: 5000 },
      { state: 'DOWN', at: 10_000 },
      { state: 'DOWN', at: 15_000 },
    ]);
    await h.stop();
  });

  it('lets a disable through min-state-time at once', async () => {
    const h = harness({
      tape: [true],
      disabledTape: [false, true],
      timing: { rise: 1, minStateTime: 60 },
    });
    await h.clock.advance(5000);
    expect(h.states()).toEqual(['UP', 'DISABLED']);
    await h.stop();
  });

  it('starts the next check at once on checkNow(), and counts the period from there', async () => {
    const h = harness({ tape: [true], timing: { rise: 1 } });
    await h.clock.advance(1200);
    expect(h.checkStarts).toEqual([0]);
    h.runner.checkNow();
    await flush();
    expect(h.checkStarts).toEqual([0, 1200]);
    await h.clock.advance(5000);
    expect(h.checkStarts).toEqual([0, 1200, 6200]);
    await h.stop();
  });

  it('waits its start delay before the first check, then keeps the period from there', async () => {
    const h = harness({ tape: [true], timing: { rise: 1 }, startDelayMs: 400 });
    await h.clock.advance(399);
    expect(h.checkStarts).toEqual([]);
    await h.clock.advance(5001);
    expect(h.checkStarts).toEqual([400, 5400]);
    await h.stop();
  });

  it('ends the start delay at once on checkNow() or a stop', async () => {
    const early = harness({ tape: [true], startDelayMs: 900 });
    await early.clock.advance(100);
    early.runner.checkNow();
    await flush();
    expect(early.checkStarts).toEqual([100]);
    await early.stop();

    const stopped = harness({ tape: [true], startDelayMs: 900 });
    await stopped.clock.advance(100);
    expect(await stopped.stop()).toBe('stopped');
    expect(stopped.checkStarts).toEqual([]);
    expect(stopped.clock.pending).toBe(0);
  });

  it('stops at once when aborted during the wait', async () => {
    const h = harness({ tape: [true], timing: { rise: 1 } });
    await h.clock.advance(100);
    expect(await h.stop()).toBe('stopped');
    expect(h.clock.pending).toBe(0);
    expect(h.checkStarts).toEqual([0]);
  });

  it('adds jitter from the injected random source to the period', async () => {
    const h = harness({ tape: [true], timing: { rise: 1, jitter: 2 }, random: () => 0.5 });
    await h.clock.advance(12_000);
    expect(h.checkStarts).toEqual([0, 6000, 12_000]);
    await h.stop();
  });
});
