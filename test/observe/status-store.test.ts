// The status store, driven by the runtime's observer calls with a fake wall clock.
import { describe, expect, it } from 'vitest';
import { StatusStore } from '../../src/observe/status-store.js';
import { bringDown, bringUp, failingReport, linesFor, passingReport } from './events.js';

function store(services: string[] = ['web']) {
  const clock = { t: 1_700_000_000_000 };
  const status = new StatusStore({ version: '1.2.3', now: () => clock.t, pid: 4242, services });
  return { status, clock };
}

describe('StatusStore', () => {
  it('starts every service in INIT since the moment it was added, with nothing checked or sent', () => {
    const { status, clock } = store();
    const snap = status.snapshot();
    expect(snap).toMatchObject({ pid: 4242, version: '1.2.3', startedAt: clock.t });
    expect(snap.services).toEqual([
      {
        name: 'web',
        state: 'INIT',
        since: clock.t,
        lastCheck: null,
        announced: null,
        maintenance: null,
        transitions: [],
        skipped: null,
        nextCheckAt: null,
        progress: null,
        checks: [],
      },
    ]);
  });

  const shape = {
    name: 'web',
    timing: { interval: 5, fastInterval: 1, rise: 3, fall: 2 },
    checks: [{ name: 'health', target: 'GET http://127.0.0.1/health' }],
  };

  it('tells the next check from the timing, the fast interval while the state changes', () => {
    const clock = { t: 1_700_000_000_000 };
    const status = new StatusStore({ version: '1', now: () => clock.t, services: [shape] });
    expect(status.service('web')?.nextCheckAt).toBeNull();
    // A check that began 40 ms ago and failed: FALLING, the next one a second after it began.
    status.checked('web', failingReport('HTTP 503', 39), false);
    status.transitioned('web', 'INIT', 'FALLING', 'HTTP 503');
    expect(status.service('web')?.nextCheckAt).toBe(clock.t - 40 + 1000);
    status.checked('web', failingReport('HTTP 503', 39), false);
    status.transitioned('web', 'FALLING', 'DOWN', 'HTTP 503');
    expect(status.service('web')?.nextCheckAt).toBe(clock.t - 40 + 5000);
    expect(status.service('web')?.checks).toEqual(shape.checks);
  });

  it('counts rise and fall progress while RISING or FALLING, and none in UP or DOWN', () => {
    const status = new StatusStore({ version: '1', services: [shape] });
    status.checked('web', passingReport(), false);
    status.transitioned('web', 'INIT', 'RISING', 'ok');
    expect(status.service('web')?.progress).toEqual({ count: 1, needed: 3 });
    status.checked('web', passingReport(), false);
    expect(status.service('web')?.progress).toEqual({ count: 2, needed: 3 });
    status.checked('web', failingReport(), false);
    status.transitioned('web', 'RISING', 'FALLING', 'HTTP 503');
    expect(status.service('web')?.progress).toEqual({ count: 1, needed: 2 });
    status.checked('web', failingReport(), false);
    status.transitioned('web', 'FALLING', 'DOWN', 'HTTP 503');
    expect(status.service('web')?.progress).toBeNull();
  });

  it('marks a cycle its disable file skipped as not checked, keeping the last real check', () => {
    const { status } = store();
    status.checked('web', failingReport(), false);
    status.checked('web', passingReport(0), true);
    const web = status.service('web');
    expect(web?.skipped).toBe('disable file');
    expect(web?.lastCheck?.ok).toBe(false);
    // Maintenance runs the checks: a cycle in maintenance is a checked one.
    status.setMaintenance('web', { by: 'alice', reason: 'upgrade', since: 0 });
    status.checked('web', passingReport(), false);
    expect(status.service('web')?.skipped).toBeNull();
  });

  it('records state, since, last check and the exact lines after a service goes down', () => {
    const { status, clock } = store();
    const t0 = clock.t;
    clock.t += 1000;
    bringUp(status, 'web');
    clock.t += 5000;
    bringDown(status, 'web', 'HTTP 503', true);
    const web = status.service('web');
    expect(web?.state).toBe('DOWN');
    expect(web?.since).toBe(t0 + 6000);
    expect(web?.lastCheck).toMatchObject({ ok: false, reason: 'HTTP 503', at: t0 + 6000 });
    expect(web?.lastCheck?.checks[0]?.result).toMatchObject({ ok: false, reason: 'HTTP 503' });
    expect(web?.announced).toEqual({
      target: 'DOWN',
      lines: linesFor('DOWN', true),
      at: t0 + 6000,
    });
    expect(web?.transitions.map((t) => `${t.from}>${t.to}@${t.at - t0}`)).toEqual([
      'INIT>UP@1000',
      'UP>FALLING@6000',
      'FALLING>DOWN@6000',
    ]);
  });

  it('keeps only the most recent transitions, oldest first', () => {
    const status = new StatusStore({
      version: 'x',
      now: () => 0,
      maxTransitions: 3,
      services: ['a'],
    });
    for (let i = 0; i < 10; i++) status.transitioned('a', 'UP', 'FALLING', `r${i}`);
    expect(status.service('a')?.transitions.map((t) => t.reason)).toEqual(['r7', 'r8', 'r9']);
  });

  it('shows maintenance until it is cleared', () => {
    const { status, clock } = store();
    const m = { by: 'alice', reason: 'kernel upgrade', since: clock.t };
    expect(status.setMaintenance('web', m)).toBe(true);
    expect(status.service('web')).toMatchObject({ maintenance: m });
    status.setMaintenance('web', null);
    expect(status.service('web')).toMatchObject({ maintenance: null });
  });

  it('refuses maintenance for an unknown service', () => {
    const { status } = store();
    expect(status.setMaintenance('nope', { by: 'a', reason: 'b', since: 0 })).toBe(false);
    expect(status.snapshot().services.map((s) => s.name)).toEqual(['web']);
  });

  it('ignores late events for a removed service instead of bringing it back', () => {
    const { status } = store(['web', 'dns']);
    status.removeService('web');
    status.announced('web', 'EXIT', linesFor('EXIT'));
    status.checked('web', failingReport(), false);
    status.transitioned('web', 'UP', 'DOWN', 'x');
    expect(status.snapshot().services.map((s) => s.name)).toEqual(['dns']);
  });

  it('keeps a service that is added again on reload as it was', () => {
    const { status } = store();
    bringUp(status, 'web');
    status.addService('web');
    status.addService('new');
    expect(status.snapshot().services.map((s) => [s.name, s.state])).toEqual([
      ['web', 'UP'],
      ['new', 'INIT'],
    ]);
  });

  it('hands out snapshots that later events do not change', () => {
    const { status } = store();
    bringUp(status, 'web');
    const before = status.snapshot();
    bringDown(status, 'web');
    expect(before.services[0]?.state).toBe('UP');
    expect(before.services[0]?.transitions).toHaveLength(1);
  });

  it('serialises to JSON and back unchanged', () => {
    const { status } = store();
    bringUp(status, 'web');
    bringDown(status, 'web');
    const snap = status.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });
});
