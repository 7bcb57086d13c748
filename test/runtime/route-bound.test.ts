// A route is never better than its health: the real runtime, on a manual clock, under random operator and signal events.
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextHealth, INITIAL_HEALTH, type Health } from '../../src/core/health.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Service } from '../../src/core/service.js';
import { ExabgpApi } from '../../src/exabgp/api.js';
import { ExabgpSpeaker } from '../../src/exabgp/speaker.js';
import type { Maintenance } from '../../src/runtime/control.js';
import type { CheckReport } from '../../src/runtime/observer.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { ManualClock, flush } from '../support/manual-clock.js';
import { routePolicy } from '../support/route-policy.js';
import { noAddresses, testService } from '../support/service.js';

const PREFIXES = ['198.51.100.10/32', '198.51.100.11/32'];

interface Metrics {
  readonly UP: number;
  readonly DOWN: number;
  readonly DISABLED: number;
}

interface Setup {
  readonly metrics: Metrics;
  readonly withdrawOnDown: boolean;
  readonly rise: number;
  readonly fall: number;
  readonly interval: number;
  readonly drain: number;
  readonly debounce: boolean;
  readonly acks: boolean;
}

type Event =
  | { readonly kind: 'health'; readonly ok: boolean }
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'disable' | 'enable' | 'drain' | 'term' }
  | { readonly kind: 'file'; readonly present: boolean }
  | { readonly kind: 'reload'; readonly metrics: Metrics };

const metricsArb = fc.record({
  UP: fc.integer({ min: 0, max: 2000 }),
  DOWN: fc.integer({ min: 0, max: 2000 }),
  DISABLED: fc.integer({ min: 0, max: 2000 }),
});

const setupArb: fc.Arbitrary<Setup> = fc.record({
  metrics: metricsArb,
  withdrawOnDown: fc.boolean(),
  rise: fc.integer({ min: 1, max: 3 }),
  fall: fc.integer({ min: 1, max: 3 }),
  interval: fc.integer({ min: 1, max: 4 }),
  drain: fc.constantFrom(0, 2, 5),
  debounce: fc.boolean(),
  acks: fc.boolean(),
});

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('health' as const), ok: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 6000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('disable' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('enable' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('term' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('file' as const), present: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('reload' as const), metrics: metricsArb }),
  },
);

function serviceOf(setup: Setup, metrics: Metrics): Service {
  return testService({
    timing: {
      interval: setup.interval,
      rise: setup.rise,
      fall: setup.fall,
      debounce: setup.debounce,
    },
    disableFile: '/maintenance',
    disableMode: 'maintenance',
    routes: routePolicy(PREFIXES, { metrics, withdrawOnDown: setup.withdrawOnDown }),
    drain: setup.drain,
  });
}

/** One runtime with everything around it real but the clock, the check and the files. */
function world(setup: Setup) {
  const clock = new ManualClock(1_000_000);
  const output = new PassThrough();
  const input = new PassThrough();
  const lines: string[] = [];
  let buffer = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      // ExaBGP acknowledges every line it takes.
      if (setup.acks) input.write('done\n');
    }
  });
  const api = new ExabgpApi({
    output,
    input,
    acks: setup.acks,
    ackTimeoutMs: 10_000,
    log: silentLogger,
  });
  let healthy = true;
  let file = false;
  let current = serviceOf(setup, setup.metrics);
  let health: Health = INITIAL_HEALTH;
  let verdict: 'UP' | 'DOWN' | null = null;
  const book = new Map<string, Maintenance>();
  const runtime = new Runtime([{ service: current, addresses: noAddresses }], {
    speaker: new ExabgpSpeaker(api),
    apiForm: 4,
    clock,
    log: silentLogger,
    makeCheck: () => () =>
      Promise.resolve<CheckReport>({
        ok: healthy,
        reason: healthy ? 'ok' : 'exit 1',
        durationMs: 0,
        checks: [],
      }),
    disableFileExists: () => file,
    runHooks: () => Promise.resolve(),
    observer: {
      // The oracle: the health that the checks prove, by the state machine of the core.
      checked: (_service, report) => {
        const step = nextHealth(health, { disabled: false, ok: report.ok }, setup);
        health = step.health;
        if (step.entered === 'UP' || step.entered === 'DOWN') verdict = step.entered;
      },
    },
    maintenance: {
      get: (name) => book.get(name) ?? null,
      set: (name, m) => {
        if (m === null) book.delete(name);
        else book.set(name, m);
      },
    },
    reloadConfig: () => Promise.resolve({ ok: true, services: [current] }),
    prepare: (service) => Promise.resolve({ service, addresses: noAddresses }),
  });
  return {
    clock,
    runtime,
    lines,
    get verdict() {
      return verdict;
    },
    get service() {
      return current;
    },
    setHealthy: (ok: boolean) => void (healthy = ok),
    setFile: (present: boolean) => void (file = present),
    setMetrics: (metrics: Metrics) => void (current = serviceOf(setup, metrics)),
  };
}

/** What the stream says of each prefix now: its MED, or null when withdrawn (or never announced). */
function routes(lines: readonly string[]): Map<string, number | null> {
  const state = new Map<string, number | null>();
  for (const line of lines) {
    const match = /^(announce|withdraw) route (\S+) .*?(?:med (\d+))?$/.exec(line);
    if (!match) throw new Error(`unexpected line: ${line}`);
    state.set(match[2]!, match[1] === 'announce' ? Number(match[3] ?? 0) : null);
  }
  return state;
}

describe('a route is never better than its health', () => {
  it('announces a service the checks do not prove UP no better than DOWN, and a drained one not at all', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(eventArb, { maxLength: 40 }), async (setup, events) => {
        const w = world(setup);
        const running = w.runtime.run();
        let drained = false;
        let enables = 0;
        let stopped: Promise<void> | null = null;
        const check = (after: Event | null) => {
          const now = routes(w.lines);
          const { routes: policy } = w.service;
          PREFIXES.forEach((prefix, index) => {
            const med = now.get(prefix) ?? null;
            const where = `${prefix} after ${JSON.stringify(after)}: ${w.lines.slice(-4).join(' | ')}`;
            if (drained) expect(med, `drained, yet announced: ${where}`).toBeNull();
            if (w.verdict === 'UP' || med === null) return;
            expect(policy.withdrawOnDown, `announced with withdraw-on-down: ${where}`).toBe(false);
            expect(med, `better than DOWN: ${where}`).toBeGreaterThanOrEqual(
              policy.metrics.DOWN + index * policy.increase,
            );
          });
        };
        for (const event of events) {
          switch (event.kind) {
            case 'health':
              w.setHealthy(event.ok);
              break;
            case 'advance':
              await w.clock.advance(event.ms);
              break;
            case 'disable':
              w.runtime.disable('web', 'test', 'tester');
              break;
            case 'enable':
              w.runtime.enable('web');
              drained = false;
              enables++;
              break;
            case 'drain': {
              const epoch = enables;
              void w.runtime.drain('web').then((result) => {
                if (result.ok && epoch === enables && stopped === null) drained = true;
              });
              break;
            }
            case 'file':
              w.setFile(event.present);
              break;
            case 'reload': {
              // The bound is the configuration in force: the new one once the reload is done.
              const before = w.service.routes.metrics;
              w.setMetrics(event.metrics);
              const reloaded = await w.runtime.reload();
              if (!reloaded.ok) w.setMetrics(before);
              break;
            }
            case 'term':
              stopped = w.runtime.stop('signal');
              break;
          }
          await flush();
          check(event);
        }
        // Whatever happened, a stop withdraws every prefix.
        stopped ??= w.runtime.stop('signal');
        void w.runtime.stop('signal');
        await w.clock.advance(10_000);
        await stopped;
        await running;
        await flush();
        expect([...routes(w.lines).values()].every((med) => med === null)).toBe(true);
      }),
      {
        numRuns: 150,
        examples: [
          [
            // Maintenance of a service not yet checked, ended before the checks decide, then a
            // reload that makes the standing disabled attributes better than DOWN's.
            {
              metrics: { UP: 100, DOWN: 400, DISABLED: 800 },
              withdrawOnDown: false,
              rise: 3,
              fall: 3,
              interval: 4,
              drain: 0,
              debounce: false,
              acks: true,
            },
            [
              { kind: 'health', ok: false },
              { kind: 'disable' },
              { kind: 'advance', ms: 1000 },
              { kind: 'enable' },
              { kind: 'reload', metrics: { UP: 100, DOWN: 1000, DISABLED: 800 } },
            ],
          ],
        ],
      },
    );
  });
});
