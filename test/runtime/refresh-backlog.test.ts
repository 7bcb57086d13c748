// A refresh does not pile up behind a speaker that has not taken the last one: the real runtime and
// ExaBGP API, on a manual clock, with ExaBGP's acknowledgements given by the test.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { Service } from '../../src/core/service.js';
import { ExabgpApi } from '../../src/exabgp/api.js';
import { ExabgpSpeaker } from '../../src/exabgp/speaker.js';
import type { CheckReport } from '../../src/runtime/observer.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { ManualClock, flush } from '../support/manual-clock.js';
import { routePolicy } from '../support/route-policy.js';
import { noAddresses, testService } from '../support/service.js';

function service(debounce = false): Service {
  return testService({
    timing: { debounce },
    disableFile: '/maintenance',
    disableMode: 'maintenance',
    routes: routePolicy(['198.51.100.10/32'], { metrics: { UP: 100, DOWN: 1000, DISABLED: 500 } }),
    drain: 0,
  });
}

/** A runtime whose ExaBGP answers only when the test says so. */
function world(debounce = false) {
  const clock = new ManualClock(1_000_000);
  const output = new PassThrough();
  const input = new PassThrough();
  const lines: string[] = [];
  let unanswered = 0;
  let buffer = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    unanswered += parts.length;
  });
  const api = new ExabgpApi({ output, input, acks: true, ackTimeoutMs: 60_000, log: silentLogger });
  let healthy = true;
  let checks = 0;
  const runtime = new Runtime([{ service: service(debounce), addresses: noAddresses }], {
    speaker: new ExabgpSpeaker(api),
    apiForm: 4,
    clock,
    log: silentLogger,
    makeCheck: () => () => {
      checks++;
      return Promise.resolve<CheckReport>({
        ok: healthy,
        reason: healthy ? 'ok' : 'exit 1',
        durationMs: 0,
        checks: [],
      });
    },
    disableFileExists: () => false,
    runHooks: () => Promise.resolve(),
    reloadConfig: () => Promise.resolve({ ok: true, services: [service()] }),
    prepare: (s) => Promise.resolve({ service: s, addresses: noAddresses }),
  });
  return {
    clock,
    runtime,
    lines,
    checks: () => checks,
    setHealthy: (ok: boolean) => void (healthy = ok),
    /** ExaBGP takes every line written so far. */
    answer: async (word: 'done' | 'error' = 'done') => {
      input.write(`${word}\n`.repeat(unanswered));
      unanswered = 0;
      await flush();
    },
    /** Cycles of one interval each. */
    cycles: async (count: number) => {
      for (let i = 0; i < count; i++) {
        await clock.advance(1000);
        await flush();
      }
    },
  };
}

const announcedWith = (med: number) => (line: string) =>
  line.startsWith('announce route 198.51.100.10/32') && line.endsWith(`med ${med}`);

async function stop(w: ReturnType<typeof world>, running: Promise<unknown>): Promise<void> {
  const stopped = w.runtime.stop('signal');
  await flush();
  await w.answer();
  await w.clock.advance(10_000);
  await w.answer();
  await stopped;
  await running;
}

describe('a refresh while the speaker has not acknowledged the last one', () => {
  it('is not written again until ExaBGP takes the lines it already has, and the checks go on', async () => {
    const w = world();
    const running = w.runtime.run();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(1);
    await w.answer();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(2);
    const checked = w.checks();
    await w.cycles(5);
    expect(w.checks() - checked).toBe(5);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(2);
    await w.answer();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(3);
    await w.answer();
    await w.cycles(1);
    await w.answer();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(5);
    await stop(w, running);
  });

  it('does not hold back a change of state, which is written at once', async () => {
    const w = world();
    const running = w.runtime.run();
    await w.cycles(1);
    await w.answer();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(2);
    w.setHealthy(false);
    await w.cycles(1);
    expect(w.lines.at(-1)).toSatisfy(announcedWith(1000));
    expect(w.lines).toHaveLength(3);
    await stop(w, running);
  });
});

describe('announcing on change (debounce)', () => {
  it('writes a line ExaBGP refused again at the next check, and stops once ExaBGP takes it', async () => {
    const w = world(true);
    const running = w.runtime.run();
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(1);
    await w.answer('error');
    await w.cycles(1);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(2);
    await w.answer('done');
    await w.cycles(3);
    expect(w.lines.filter(announcedWith(100))).toHaveLength(2);
    await stop(w, running);
  });

  it('writes nothing more for a state ExaBGP took', async () => {
    const w = world(true);
    const running = w.runtime.run();
    await w.cycles(1);
    await w.answer();
    await w.cycles(4);
    expect(w.lines).toHaveLength(1);
    await stop(w, running);
  });
});
