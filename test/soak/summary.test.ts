import { describe, expect, it } from 'vitest';
import {
  convergenceBound,
  cpuTicks,
  formatSummary,
  loopLagOf,
  median,
  type SoakSummary,
} from './soak.js';

describe('convergenceBound', () => {
  it('gives a change of health its interval, the fast interval of the second check and a second', () => {
    expect(convergenceBound('flip', 0)).toBe(2500);
  });

  it('decides a hung check at its timeout, twice, the second starting at once', () => {
    expect(convergenceBound('hang', 0)).toBe(6000);
    expect(convergenceBound('stall', 0)).toBe(6000);
  });

  it('adds the time the session took to come back after a restart', () => {
    expect(convergenceBound('gobgp-restart', 4000)).toBe(5000);
    expect(convergenceBound('exabgp-restart', 4000)).toBe(7500);
  });
});

describe('median', () => {
  it('is the middle value, the lower one of an even count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2);
  });
});

describe('formatSummary', () => {
  const fds = (total: number, held: number) => ({
    total,
    held,
    childPipes: total - held,
    connections: 0,
  });
  const summary: SoakSummary = {
    services: 100,
    seed: 16,
    minutes: 2,
    events: 3,
    eventsByKind: { flip: 2, drain: 1 },
    stateChanges: 40,
    settleChecks: 4,
    mismatches: 0,
    mismatchDetails: [],
    late: 1,
    unconverged: 0,
    unconvergedDetails: [],
    convergeMs: { flip: [1200, 2600], drain: [1500] },
    decisionMs: { flip: 2100 },
    loads: [2.5, 1.25, 4],
    loopLagMs: [40, 1200, 75],
    boundMs: { flip: 2500, drain: 2000 },
    start: { pid: 1, rssKb: 102400, fds: fds(60, 20), at: 0 },
    end: { pid: 1, rssKb: 104448, fds: fds(90, 20), at: 60_000 },
    longest: null,
    leaked: 0,
    leakedDetails: [],
  };

  it('says, in one line, the load, per kind the longest, median and bound, and the open files held', () => {
    const line = formatSummary(summary);
    expect(line).not.toContain('\n');
    expect(line).toContain('seed 16, load 1.3–4.0 (median 2.5)');
    expect(line).toContain('drain 1500/1500/2000, flip 2600/1200/2500 (2100)');
    expect(line).toContain('rss 100.0→102.0 MB, fds 60→90 (held 20→20)');
    expect(line).toContain('1 late');
    expect(line).toContain('event loop delay ms max/median 1200/75');
  });

  it('reads the event loop delay from the exposition, and nothing from one without it', () => {
    const text = [
      '# HELP nodejs_eventloop_lag_max_seconds The maximum recorded event loop delay.',
      '# TYPE nodejs_eventloop_lag_max_seconds gauge',
      'nodejs_eventloop_lag_max_seconds 1.2345',
      'nodejs_eventloop_lag_p99_seconds 0.5',
    ].join('\n');
    expect(loopLagOf(text)).toBe(1235);
    expect(loopLagOf('nodejs_eventloop_lag_p99_seconds 0.5\n')).toBeNull();
    expect(loopLagOf('nodejs_eventloop_lag_max_seconds NaN\n')).toBeNull();
  });

  it('gives the CPU of the longest-lived process and of its checks, and how busy the machine was', () => {
    const at = (seconds: number, self: number, children: number, busy: number) => ({
      pid: 7,
      rssKb: 102400,
      fds: fds(60, 20),
      at: seconds * 1000,
      cpu: { self, children, machineBusy: busy, machineTotal: seconds * 200 },
    });
    // 100 s on 2 cores: 6300 ticks of its own, 8200 of its checks, 17400 of 20000 busy.
    const line = formatSummary({
      ...summary,
      longest: { first: at(100, 1000, 2000, 10_000), last: at(200, 7300, 10_200, 27_400) },
    });
    expect(line).toContain('cpu 63% of a core + its checks 82% (machine 87% busy on 2 cores)');
  });

  it('reads utime, stime, cutime and cstime after the command name, whatever it holds', () => {
    const stat = '42 (node (x) y) S 1 42 42 0 -1 4194560 100 0 0 0 11 22 33 44 20 0 11 0';
    const machine = 'cpu  100 5 50 800 45 0 0 0 0 0\ncpu0 1 1 1 1 1 0 0 0 0 0\n';
    expect(cpuTicks(stat, machine)).toEqual({
      self: 33,
      children: 77,
      machineBusy: 155,
      machineTotal: 1000,
    });
    expect(cpuTicks(stat, 'no cpu line')).toBeNull();
  });
});
