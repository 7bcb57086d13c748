import { describe, expect, it } from 'vitest';
import { routePolicy } from '../support/route-policy.js';
import { parseIpAddress } from '../../src/core/ip.js';
import { silentLogger } from '../../src/core/logger.js';
import type { RoutePolicy } from '../../src/core/route.js';
import {
  DesiredRoutes,
  SetSpeaker,
  type DesiredRoute,
  type RouteApplier,
} from '../../src/speakers/route-set.js';
import { waitFor } from '../e2e/harness/wait.js';

const policy = (prefixes: string[], extra: Partial<RoutePolicy> = {}): RoutePolicy =>
  routePolicy(prefixes, { nextHop: parseIpAddress('192.0.2.10'), ...extra });

const summary = (routes: readonly DesiredRoute[]) =>
  routes.map((r) => `${r.owner} ${r.command.prefix.text} ${r.target} ${r.command.med}`);

class RecordingApplier implements RouteApplier {
  readonly applied: string[][] = [];
  failures = 0;
  async apply(routes: readonly DesiredRoute[]): Promise<void> {
    await Promise.resolve();
    if (this.failures > 0) {
      this.failures--;
      throw new Error('BIRD refused the configuration: syntax error');
    }
    this.applied.push(summary(routes));
  }
}

describe('DesiredRoutes', () => {
  it('keeps every service’s announced routes, sorted, and drops withdrawn ones', () => {
    const desired = new DesiredRoutes();
    const web = { name: 'web', routes: policy(['198.51.100.20/32', '198.51.100.10/32']) };
    const dns = { name: 'dns', routes: policy(['2001:db8::53/128'], { withdrawOnDown: true }) };
    expect(desired.set(web, 'UP')).toBe(true);
    expect(desired.set(dns, 'UP')).toBe(true);
    expect(summary(desired.list())).toEqual([
      'web 198.51.100.10/32 UP 101',
      'web 198.51.100.20/32 UP 100',
      'dns 2001:db8::53/128 UP 100',
    ]);
    expect(desired.set(dns, 'DOWN')).toBe(true);
    expect(desired.set(web, 'EXIT')).toBe(true);
    expect(desired.list()).toEqual([]);
  });

  it('says nothing changed when a service refreshes the same target', () => {
    const desired = new DesiredRoutes();
    const web = { name: 'web', routes: policy(['198.51.100.10/32']) };
    desired.set(web, 'UP');
    expect(desired.set(web, 'UP')).toBe(false);
    expect(desired.set({ ...web }, 'UP')).toBe(false);
  });

  it('withdraws only the prefixes a reload dropped', () => {
    const desired = new DesiredRoutes();
    desired.set({ name: 'web', routes: policy(['198.51.100.10/32', '198.51.100.11/32']) }, 'UP');
    desired.set({ name: 'web', routes: policy(['198.51.100.11/32']) }, 'EXIT');
    expect(summary(desired.list())).toEqual(['web 198.51.100.10/32 UP 100']);
  });
});

describe('SetSpeaker', () => {
  it('applies the writes of one turn of the event loop together, once', async () => {
    const applier = new RecordingApplier();
    const speaker = new SetSpeaker('BIRD', applier, { log: silentLogger });
    const a = { name: 'a', routes: policy(['198.51.100.1/32']) };
    const b = { name: 'b', routes: policy(['198.51.100.2/32']) };
    await Promise.all([speaker.write(a, 'UP', []), speaker.write(b, 'DOWN', [])]);
    expect(applier.applied).toEqual([['a 198.51.100.1/32 UP 100', 'b 198.51.100.2/32 DOWN 1000']]);
    await speaker.write(a, 'UP', []);
    expect(applier.applied).toHaveLength(1);
  });

  it('retries a failed apply with backoff, counts each attempt, and applies the latest set', async () => {
    const applier = new RecordingApplier();
    applier.failures = 2;
    const results: boolean[] = [];
    const speaker = new SetSpeaker('BIRD', applier, {
      log: silentLogger,
      retryMs: 1,
      onApply: (ok) => results.push(ok),
    });
    const a = { name: 'a', routes: policy(['198.51.100.1/32']) };
    await speaker.write(a, 'UP', []);
    expect(applier.applied).toEqual([]);
    await speaker.write(a, 'DISABLED', []);
    await waitFor(() => applier.applied.length === 1, { timeoutMs: 5000, what: 'a retry' });
    expect(applier.applied).toEqual([['a 198.51.100.1/32 DISABLED 500']]);
    expect(results).toEqual([false, false, true]);
  });

  it('tells a stop whether the withdrawals were applied within the deadline', async () => {
    const applier = new RecordingApplier();
    const speaker = new SetSpeaker('BIRD', applier, { log: silentLogger, retryMs: 60_000 });
    const a = { name: 'a', routes: policy(['198.51.100.1/32']) };
    await speaker.write(a, 'UP', []);
    expect(await speaker.writeAll([{ owner: a, target: 'EXIT', lines: [] }], 1000)).toBe(1);
    expect(applier.applied.at(-1)).toEqual([]);
    applier.failures = 1;
    await speaker.write(a, 'UP', []);
    expect(applier.applied).toHaveLength(2);
    applier.failures = 1;
    expect(await speaker.writeAll([{ owner: a, target: 'EXIT', lines: [] }], 1000)).toBe(0);
  });
});
