// The status page's HTML, rendered from snapshots: what it says, what it draws, and that it escapes.
import { describe, expect, it } from 'vitest';
import {
  escapeHtml,
  formatDuration,
  renderStatusPage,
  timelineSegments,
} from '../../src/observe/status-page.js';
import { StatusStore } from '../../src/observe/status-store.js';
import type { ServiceStatus } from '../../src/runtime/control.js';
import { bringDown, bringUp, passingReport } from './events.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

function scenario() {
  const clock = { t: T0 };
  const store = new StatusStore({ version: '0.1.0', now: () => clock.t, services: ['web'] });
  return { store, clock };
}

describe('status page', () => {
  it('shows the state, since when, the failing reason and the exact lines after a service goes down', () => {
    const { store, clock } = scenario();
    clock.t += 10_000;
    bringUp(store, 'web');
    clock.t += 60_000;
    bringDown(store, 'web', 'HTTP 503');
    clock.t += 125_000;
    const html = renderStatusPage(store.snapshot(), { now: clock.t });
    expect(html).toContain('<span class="badge" data-state="DOWN">DOWN</span>');
    expect(html).toContain('DOWN for 2 min 5 s, since <time datetime="2024-01-02T03:05:15.000Z">');
    expect(html).toContain('<span class="reason">HTTP 503</span>');
    expect(html).toContain(
      'announce route 192.0.2.1/32 next-hop self med 1000 community [ 65000:1 ]',
    );
    expect(html).toMatch(/<rect class="segment" data-state="DOWN"[^>]*>/);
    expect(html).toMatch(/<rect class="segment" data-state="UP"[^>]*>/);
  });

  it('shows rise progress, the next check and each check’s target', () => {
    const clock = { t: T0 };
    const store = new StatusStore({
      version: '1',
      now: () => clock.t,
      services: [
        {
          name: 'web',
          timing: { interval: 5, fastInterval: 2, rise: 3, fall: 3 },
          checks: [{ name: 'http', target: 'GET http://127.0.0.1:8080/health' }],
        },
      ],
    });
    const before = renderStatusPage(store.snapshot(), { now: clock.t });
    expect(before).toContain('<span class="check-target">GET http://127.0.0.1:8080/health</span>');
    store.checked('web', passingReport(9), false);
    store.transitioned('web', 'INIT', 'RISING', 'ok');
    clock.t += 500;
    const html = renderStatusPage(store.snapshot(), { now: clock.t });
    expect(html).toContain('<span class="progress">1/3 checks toward UP</span>');
    expect(html).toMatch(/<span class="next-check">next check in 2 s, <time/);
    expect(html).toContain(
      '<span class="check-name">http<span class="check-target">GET http://127.0.0.1:8080/health</span></span>',
    );
  });

  it('says a service its disable file stops is not checked instead of showing a made-up pass', () => {
    const { store } = scenario();
    store.checked('web', passingReport(0), true);
    const html = renderStatusPage(store.snapshot(), { now: T0 });
    expect(html).toContain('not checked (disable file)');
    expect(html).not.toContain('<span class="verdict">passed');
  });

  it('draws nothing before the process started', () => {
    const { store, clock } = scenario();
    clock.t += 10_000;
    const html = renderStatusPage(store.snapshot(), { now: clock.t });
    const rects = [
      ...html.matchAll(/<rect class="segment"[^>]* x="([\d.]+)"[^>]* width="([\d.]+)"/g),
    ];
    expect(rects).toHaveLength(1);
    // The minute-wide window starts 50 s before the process: the bar covers its last sixth.
    const [x, width] = [Number(rects[0]![1]), Number(rects[0]![2])];
    expect(x).toBeGreaterThan(180 + 0.8 * 764);
    expect(x + width).toBeCloseTo(180 + 764, 0);
  });

  it('escapes service names, reasons, check details and maintenance texts', () => {
    const { store } = scenario();
    const evil = '<img src=x onerror="alert(1)">';
    store.addService(evil);
    store.checked(
      evil,
      {
        ok: false,
        reason: '</pre><script>alert(2)</script>',
        durationMs: 1,
        checks: [
          { name: "a'b", result: { ok: false, latencyMs: 1, reason: '<b>', detail: '&amp;' } },
        ],
      },
      false,
    );
    store.setMaintenance(evil, { by: '<i>mallory</i>', reason: '"quoted"', since: T0 });
    const html = renderStatusPage(store.snapshot(), { now: T0 });
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<i>mallory');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(html).toContain('&amp;amp;');
    expect(html).toContain('a&#39;b');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('shows maintenance with who, why and since when, and a drained service by its state', () => {
    const { store } = scenario();
    store.setMaintenance('web', { by: 'alice', reason: 'kernel upgrade', since: T0 });
    store.transitioned('web', 'UP', 'DRAINED', 'drain finished');
    const html = renderStatusPage(store.snapshot(), { now: T0 + 1000 });
    expect(html).toContain('by <b class="by">alice</b>: <span class="why">kernel upgrade</span>');
    expect(html).toContain('data-state="DRAINED"');
  });

  it('refreshes with a noscript meta refresh unless refreshing is off', () => {
    const { store } = scenario();
    expect(renderStatusPage(store.snapshot(), { now: T0, refreshSeconds: 7 })).toContain(
      '<noscript><meta http-equiv="refresh" content="7"></noscript>',
    );
    const off = renderStatusPage(store.snapshot(), { now: T0, refreshSeconds: 0 });
    expect(off).not.toContain('http-equiv');
    expect(off).toContain('data-refresh="0"');
  });

  it('loads nothing from elsewhere', () => {
    const { store } = scenario();
    bringUp(store, 'web');
    const html = renderStatusPage(store.snapshot(), { now: T0 + 1 });
    expect(html).not.toMatch(/<(link|img|iframe)\b|\ssrc=|url\(/);
  });
});

describe('timelineSegments', () => {
  const service = (
    transitions: ServiceStatus['transitions'],
    state: ServiceStatus['state'],
  ): ServiceStatus => ({
    name: 's',
    state,
    since: transitions.at(-1)?.at ?? 0,
    lastCheck: null,
    announced: null,
    maintenance: null,
    transitions,
  });

  it('covers the window with the state in effect at each moment', () => {
    const s = service(
      [
        { at: 100, from: 'INIT', to: 'UP', reason: 'ok' },
        { at: 300, from: 'UP', to: 'FALLING', reason: 'HTTP 503' },
        { at: 400, from: 'FALLING', to: 'DOWN', reason: 'HTTP 503' },
      ],
      'DOWN',
    );
    expect(timelineSegments(s, 0, 1000).map((x) => [x.state, x.start, x.end])).toEqual([
      ['INIT', 0, 100],
      ['UP', 100, 300],
      ['FALLING', 300, 400],
      ['DOWN', 400, 1000],
    ]);
    expect(timelineSegments(s, 350, 1000).map((x) => [x.state, x.start, x.end])).toEqual([
      ['FALLING', 350, 400],
      ['DOWN', 400, 1000],
    ]);
  });

  it('draws the current state across the whole window when nothing changed', () => {
    expect(timelineSegments(service([], 'INIT'), 0, 50)).toEqual([
      { state: 'INIT', start: 0, end: 50, reason: null },
    ]);
  });
});

describe('escapeHtml and formatDuration', () => {
  it('escapes the five characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });

  it('writes durations with at most two units', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(59_999)).toBe('59 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
    expect(formatDuration(3_600_000)).toBe('1 h');
    expect(formatDuration(93_784_000)).toBe('1 d 2 h');
  });
});
