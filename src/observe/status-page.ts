// The status page: one self-contained HTML document rendered from a status snapshot, timeline drawn in SVG.
import { createHash } from 'node:crypto';
import type { ServiceState } from '../core/route-target.js';
import type { ProcessStatus, ServiceStatus, Transition } from '../runtime/control.js';

export interface StatusPageOptions {
  /** Wall-clock time of the rendering (ms since the epoch). */
  readonly now: number;
  /** Seconds between refreshes in the browser; 0 turns refreshing off. */
  readonly refreshSeconds?: number;
  /** The longest stretch of history the timeline shows. */
  readonly timelineMs?: number;
}

export const DEFAULT_REFRESH_SECONDS = 5;
export const DEFAULT_TIMELINE_MS = 60 * 60 * 1000;
const MIN_TIMELINE_MS = 60 * 1000;

/** Each state's colour, in the order the legend and the summary show them. */
export const STATE_COLOURS: Readonly<Record<ServiceState, string>> = {
  UP: '#2e7d32',
  RISING: '#9ccc65',
  FALLING: '#ef6c00',
  DOWN: '#c62828',
  DISABLED: '#757575',
  DRAINING: '#6a1b9a',
  DRAINED: '#4a148c',
  INIT: '#90a4ae',
};
const STATE_ORDER = Object.keys(STATE_COLOURS) as readonly ServiceState[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Safe in text and in double-quoted attributes, in HTML and in inline SVG. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** "3 s", "4 min 2 s", "2 h 5 min", "3 d 4 h": two units are enough to read at a glance. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const units: readonly (readonly [number, string])[] = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const index = units.findIndex(([size]) => seconds >= size);
  const big = units[index];
  if (!big) return '0 s';
  const first = `${Math.floor(seconds / big[0])} ${big[1]}`;
  const small = units[index + 1];
  const second = small ? Math.floor((seconds % big[0]) / small[0]) : 0;
  return small && second > 0 ? `${first} ${second} ${small[1]}` : first;
}

function formatLatency(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function timeTag(ms: number): string {
  return `<time datetime="${new Date(ms).toISOString()}">${formatTime(ms)}</time>`;
}

const badge = (state: ServiceState): string =>
  `<span class="badge" data-state="${state}">${state}</span>`;

function renderChecks(service: ServiceStatus): string {
  const check = service.lastCheck;
  const targets = new Map((service.checks ?? []).map((c) => [c.name, c.target]));
  const target = (name: string): string => {
    const what = targets.get(name);
    return what === undefined || what === name
      ? ''
      : `<span class="check-target">${escapeHtml(what)}</span>`;
  };
  const skipped = service.skipped
    ? `<p class="last-check skipped"><span class="verdict">not checked (${service.skipped})</span></p>`
    : '';
  if (!check) {
    const configured = [...targets].map(
      ([name]) =>
        `<li class="check"><span class="mark">·</span><span class="check-name">${escapeHtml(name)}</span>${target(name)}</li>`,
    );
    return (
      (skipped || '<p class="last-check none">No check has run yet.</p>') +
      (configured.length > 0 ? `<ul class="checks">${configured.join('')}</ul>` : '')
    );
  }
  const verdict = check.ok ? 'passed' : 'failed';
  const summary =
    skipped +
    `<p class="last-check ${verdict}">${skipped ? 'before: ' : ''}<span class="verdict">${verdict}</span>` +
    (check.ok ? '' : `: <span class="reason">${escapeHtml(check.reason)}</span>`) +
    ` · took ${formatLatency(check.durationMs)} · ${timeTag(check.at)}</p>`;
  if (check.checks.length === 0) return summary;
  const rows = check.checks
    .map(({ name, result }) => {
      const detail = result.detail ? `<div class="detail">${escapeHtml(result.detail)}</div>` : '';
      const reason = result.ok ? '' : escapeHtml(result.reason);
      return (
        `<li class="check ${result.ok ? 'passed' : 'failed'}">` +
        `<span class="mark">${result.ok ? '✔' : '✘'}</span>` +
        `<span class="check-name">${escapeHtml(name)}${target(name)}</span>` +
        `<span class="check-reason">${reason}</span>` +
        `<span class="latency">${formatLatency(result.latencyMs)}</span>${detail}</li>`
      );
    })
    .join('');
  return `${summary}<ul class="checks">${rows}</ul>`;
}

/** Rise/fall progress and the next check, the two things an operator waits on. */
function renderSchedule(service: ServiceStatus, now: number): string {
  const parts: string[] = [];
  if (service.progress) {
    const toward = service.state === 'RISING' ? 'UP' : 'DOWN';
    parts.push(
      `<span class="progress">${service.progress.count}/${service.progress.needed} checks toward ${toward}</span>`,
    );
  }
  if (service.nextCheckAt != null) {
    const wait = service.nextCheckAt - now;
    parts.push(
      `<span class="next-check">next check ${wait > 0 ? `in ${formatDuration(wait + 999)}` : 'now'}, ${timeTag(service.nextCheckAt)}</span>`,
    );
  }
  return parts.length > 0 ? `<p class="schedule">${parts.join(' · ')}</p>` : '';
}

function renderRoutes(service: ServiceStatus): string {
  const sent = service.announced;
  if (!sent) return '<p class="routes none">Nothing sent to ExaBGP yet.</p>';
  const lines = sent.lines.length > 0 ? sent.lines.map(escapeHtml).join('\n') : '(no routes)';
  return (
    `<p class="routes">Last sent for <b>${sent.target}</b> at ${timeTag(sent.at)}:</p>` +
    `<pre class="lines">${lines}</pre>`
  );
}

function renderService(service: ServiceStatus, now: number): string {
  const maintenance = service.maintenance
    ? `<p class="maintenance">In maintenance since ${timeTag(service.maintenance.since)} ` +
      `by <b class="by">${escapeHtml(service.maintenance.by)}</b>: ` +
      `<span class="why">${escapeHtml(service.maintenance.reason)}</span></p>`
    : '';
  return (
    `<article class="service" data-service="${escapeHtml(service.name)}" data-state="${service.state}">` +
    `<h2><span class="name">${escapeHtml(service.name)}</span> ${badge(service.state)}</h2>` +
    `<p class="since">${service.state} for ${formatDuration(now - service.since)}, since ${timeTag(service.since)}</p>` +
    renderSchedule(service, now) +
    maintenance +
    `<h3>Last check</h3>${renderChecks(service)}` +
    `<h3>Routes</h3>${renderRoutes(service)}` +
    `</article>`
  );
}

interface Segment {
  readonly state: ServiceState;
  readonly start: number;
  readonly end: number;
  readonly reason: string | null;
}

/** The states a service went through between `start` and `end`, from its bounded transition list. */
export function timelineSegments(service: ServiceStatus, start: number, end: number): Segment[] {
  const transitions: readonly Transition[] = service.transitions;
  const before = transitions.filter((t) => t.at <= start).at(-1);
  let state: ServiceState = before?.to ?? transitions[0]?.from ?? service.state;
  let reason: string | null = before?.reason ?? null;
  let from = start;
  const segments: Segment[] = [];
  for (const t of transitions) {
    if (t.at <= start) continue;
    if (t.at >= end) break;
    segments.push({ state, start: from, end: t.at, reason });
    state = t.to;
    reason = t.reason;
    from = t.at;
  }
  segments.push({ state, start: from, end, reason });
  return segments.filter((s) => s.end > s.start);
}

function timelineSpan(status: ProcessStatus, now: number, longest: number): number {
  let earliest = status.startedAt;
  for (const service of status.services) {
    const first = service.transitions[0];
    if (first && first.at < earliest) earliest = first.at;
  }
  return Math.min(longest, Math.max(MIN_TIMELINE_MS, now - earliest));
}

/** Tick spacing giving about five labelled ticks. */
function tickStep(span: number): number {
  const steps = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  const target = span / 1000 / 5;
  return (steps.find((s) => s >= target) ?? 86400) * 1000;
}

function renderTimeline(status: ProcessStatus, now: number, longest: number): string {
  const span = timelineSpan(status, now, longest);
  const start = now - span;
  const width = 960;
  const left = 180;
  const right = 16;
  const rowHeight = 28;
  const barHeight = 18;
  const top = 8;
  const axis = 30;
  const plot = width - left - right;
  const height = top + status.services.length * rowHeight + axis;
  const x = (t: number) => left + ((t - start) / span) * plot;
  const parts: string[] = [];

  status.services.forEach((service, row) => {
    const y = top + row * rowHeight;
    const name = escapeHtml(service.name);
    const shown = service.name.length > 24 ? `${service.name.slice(0, 23)}…` : service.name;
    parts.push(
      `<g class="row" data-service="${name}">` +
        `<text class="label" x="${left - 8}" y="${y + barHeight - 4}" text-anchor="end">` +
        `<title>${name}</title>${escapeHtml(shown)}</text>`,
    );
    // Nothing is drawn before the process started: no made-up INIT.
    for (const segment of timelineSegments(service, Math.max(start, status.startedAt), now)) {
      const x0 = x(segment.start);
      const w = Math.max(1, x(segment.end) - x0);
      const why = segment.reason ? ` (${escapeHtml(segment.reason)})` : '';
      parts.push(
        `<rect class="segment" data-state="${segment.state}" x="${x0.toFixed(1)}" y="${y}" ` +
          `width="${w.toFixed(1)}" height="${barHeight}" fill="${STATE_COLOURS[segment.state]}">` +
          `<title>${name}: ${segment.state} from ${formatTime(segment.start)} for ` +
          `${formatDuration(segment.end - segment.start)}${why}</title></rect>`,
      );
    }
    parts.push('</g>');
  });

  const axisY = top + status.services.length * rowHeight;
  parts.push(
    `<line class="axis" x1="${left}" y1="${axisY}" x2="${width - right}" y2="${axisY}" stroke="#888"/>`,
  );
  const step = tickStep(span);
  for (let ago = 0; ago <= span; ago += step) {
    const tx = x(now - ago).toFixed(1);
    const label = ago === 0 ? 'now' : `−${formatDuration(ago)}`;
    parts.push(
      `<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 5}" stroke="#888"/>` +
        `<text class="tick" x="${tx}" y="${axisY + 18}" text-anchor="middle">${label}</text>`,
    );
  }

  const legend = STATE_ORDER.map(
    (state) =>
      `<span class="key"><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="${STATE_COLOURS[state]}"/></svg>${state}</span>`,
  ).join('');
  return (
    `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" ` +
    `aria-label="State of each service over the last ${formatDuration(span)}" ` +
    `xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>` +
    `<p class="legend">${legend}</p>`
  );
}

function renderSummary(status: ProcessStatus): string {
  const counts = new Map<ServiceState, number>();
  for (const s of status.services) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  const parts = STATE_ORDER.filter((s) => counts.has(s)).map(
    (s) => `${counts.get(s) ?? 0} ${badge(s)}`,
  );
  const n = status.services.length;
  return `<p class="summary">${n} service${n === 1 ? '' : 's'}${n > 0 ? ': ' : ''}${parts.join(' ')}</p>`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#f6f7f9;--card:#fff;--muted:#5f6368;--line:#dadce0}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#16181c;--card:#202328;--muted:#9aa0a6;--line:#3c4043}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:14px 24px;border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;gap:6px 24px;align-items:baseline}
header h1{font-size:18px;margin:0}
.meta,.since,.routes,.legend,.schedule,.check-target{color:var(--muted)}
.check-target{margin-left:8px;font:12px ui-monospace,monospace;overflow-wrap:anywhere}
.progress{font-weight:600;color:var(--fg)}
.last-check.skipped .verdict{color:#757575;font-weight:600}
main{padding:16px 24px;max-width:1200px}
section.timeline-box{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin-bottom:16px}
section.timeline-box h2{font-size:15px;margin:0 0 8px}
svg.timeline text{fill:var(--fg);font:12px system-ui,sans-serif}
svg.timeline text.tick{fill:var(--muted);font-size:11px}
.legend{margin:6px 0 0;display:flex;flex-wrap:wrap;gap:14px}
.key{display:inline-flex;align-items:center;gap:5px}
.services{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:16px}
article.service{background:var(--card);border:1px solid var(--line);border-left:6px solid var(--line);border-radius:8px;padding:12px 16px;min-width:0}
${STATE_ORDER.map((s) => `article.service[data-state="${s}"]{border-left-color:${STATE_COLOURS[s]}}`).join('\n')}
article h2{font-size:16px;margin:0 0 2px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
article h2 .name{overflow-wrap:anywhere}
article h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);margin:12px 0 4px}
article p{margin:2px 0}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;letter-spacing:.03em}
${STATE_ORDER.map((s) => `.badge[data-state="${s}"]{background:${STATE_COLOURS[s]}}`).join('\n')}
.maintenance{background:#fff3e0;color:#5d4037;border-radius:6px;padding:6px 10px;margin:6px 0}
.last-check.failed .verdict,.check.failed .mark{color:#c62828;font-weight:600}
.last-check.passed .verdict,.check.passed .mark{color:#2e7d32;font-weight:600}
ul.checks{list-style:none;margin:4px 0 0;padding:0}
li.check{display:grid;grid-template-columns:18px minmax(80px,auto) 1fr auto;gap:8px;padding:3px 0;border-top:1px solid var(--line)}
li.check .latency{color:var(--muted);font-variant-numeric:tabular-nums}
li.check .detail{grid-column:2/-1;color:var(--muted);font:12px ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere;max-height:6em;overflow:auto}
pre.lines{margin:4px 0 0;padding:8px;background:var(--bg);border:1px solid var(--line);border-radius:6px;font:12px/1.5 ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre;overflow-x:auto}
.stale{background:#c62828;color:#fff;padding:6px 24px;margin:0}
`;

/** Swaps in the fresh content without a full reload, so scrolling and open tooltips survive. */
const SCRIPT = `
(function () {
  var every = Number(document.body.getAttribute('data-refresh')) * 1000;
  if (!(every > 0)) return;
  var stale = document.getElementById('stale');
  function refresh() {
    fetch(location.pathname, { cache: 'no-store' })
      .then(function (res) { if (!res.ok) throw new Error(String(res.status)); return res.text(); })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').getElementById('content');
        var current = document.getElementById('content');
        if (next && current) current.replaceWith(document.adoptNode(next));
        stale.hidden = true;
      })
      .catch(function () { stale.hidden = false; })
      .then(function () { setTimeout(refresh, every); });
  }
  setTimeout(refresh, every);
})();
`;

const hash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Allows exactly the page's own style and script, and fetching the page itself; nothing else. */
export const STATUS_PAGE_CSP =
  `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; ` +
  `connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function renderStatusPage(status: ProcessStatus, options: StatusPageOptions): string {
  const { now } = options;
  const refresh = Math.max(0, Math.floor(options.refreshSeconds ?? DEFAULT_REFRESH_SECONDS));
  const services =
    status.services.length > 0
      ? status.services.map((s) => renderService(s, now)).join('')
      : '<p>No services are configured.</p>';
  // Without JavaScript the page still refreshes, the plain way.
  const noscript =
    refresh > 0 ? `<noscript><meta http-equiv="refresh" content="${refresh}"></noscript>` : '';
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>bgp-healthcheck status</title>${noscript}<style>${STYLE}</style></head>` +
    `<body data-refresh="${refresh}">` +
    `<p id="stale" class="stale" hidden>The process does not answer: what follows may be out of date.</p>` +
    `<div id="content"><header><h1>bgp-healthcheck</h1>` +
    `<span class="meta">pid ${status.pid} · version ${escapeHtml(status.version)} · ` +
    `running for ${formatDuration(now - status.startedAt)} · updated ${timeTag(now)}</span></header>` +
    `<main>${renderSummary(status)}` +
    `<section class="timeline-box"><h2>State over time</h2>${renderTimeline(status, now, options.timelineMs ?? DEFAULT_TIMELINE_MS)}</section>` +
    `<section class="services">${services}</section></main></div>` +
    `<script>${SCRIPT}</script></body></html>`
  );
}
