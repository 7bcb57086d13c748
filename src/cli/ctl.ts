// `bgp-healthcheck ctl`: talks to a running instance over its control socket.
import os from 'node:os';
import { ControlClientError, request } from '../control/client.js';
import {
  MAX_REASON_CHARS,
  textProblem,
  type ControlRequest,
  type ControlResponse,
} from '../control/protocol.js';
import { defaultControlPath } from '../control/server.js';
import type { CheckReport } from '../runtime/observer.js';
import type { ProcessStatus, ServiceStatus } from '../runtime/control.js';
import type { CliIo } from './io.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_NOT_RUNNING = 3;

const USAGE = `usage: bgp-healthcheck ctl [--socket PATH | --name NAME] [--json] [--timeout SECONDS] COMMAND
commands:
  status                          every service: state, since, last check, maintenance
  disable SERVICE --reason TEXT   put SERVICE in maintenance (kept across restarts)
  enable SERVICE                  end SERVICE's maintenance
  drain SERVICE | --all           move traffic away, then withdraw (waits until done)
  check SERVICE                   run SERVICE's checks now; exit 1 when they fail
  reload                          re-read the configuration
The default socket is $RUNTIME_DIRECTORY/NAME.sock or /run/bgp-healthcheck/NAME.sock (NAME: healthcheck).
exit status: 0 done, 1 the operation failed, 2 usage error, 3 the daemon is not running
`;

/** Options shared by `ctl` and `nagios`: `--opt value`, `--opt=value`, flags, and positionals. */
export interface SplitArgs {
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly positional: string[];
}

export function splitArgs(
  args: readonly string[],
  valueOptions: readonly string[],
  flagOptions: readonly string[],
): SplitArgs | { readonly error: string } {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (flagOptions.includes(name)) {
      if (eq !== -1) return { error: `${name} takes no value` };
      flags.add(name);
    } else if (valueOptions.includes(name)) {
      let value: string | undefined;
      if (eq !== -1) value = arg.slice(eq + 1);
      else value = args[++i];
      if (value === undefined) return { error: `${name} needs a value` };
      values.set(name, [...(values.get(name) ?? []), value]);
    } else {
      return { error: `unknown option ${name}` };
    }
  }
  return { values, flags, positional };
}

/** The last value given for an option. */
export function lastValue(split: SplitArgs, name: string): string | undefined {
  return split.values.get(name)?.at(-1);
}

/** The socket path from --socket, else the default path of --name (default `healthcheck`). */
export function socketFromArgs(split: SplitArgs): string {
  return (
    lastValue(split, '--socket') ?? defaultControlPath(lastValue(split, '--name') ?? 'healthcheck')
  );
}

/** Parses `--timeout SECONDS` into milliseconds, or null when it is not a positive number. */
export function timeoutFromArgs(split: SplitArgs, defaultMs: number): number | null {
  const raw = lastValue(split, '--timeout');
  if (raw === undefined) return defaultMs;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : null;
}

/** Who is asking: the person behind sudo when there is one. */
export function requester(env: NodeJS.ProcessEnv = process.env): string {
  let user: string;
  try {
    user = os.userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? '?'}`;
  }
  const sudoUser = env.SUDO_USER;
  return sudoUser && sudoUser !== user ? `${sudoUser} (via sudo as ${user})` : user;
}

// Long operations wait for the daemon to finish: a drain waits out the drain time.
const DEFAULT_TIMEOUT_MS: Record<ControlRequest['op'], number> = {
  status: 10_000,
  disable: 10_000,
  enable: 10_000,
  check: 120_000,
  reload: 120_000,
  drain: 900_000,
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

function lastCheckText(service: ServiceStatus): string {
  if (service.skipped) return `not checked (${service.skipped})`;
  const check = service.lastCheck;
  if (!check) return '-';
  return check.ok ? `ok (${Math.round(check.durationMs)} ms)` : check.reason;
}

function stateText(service: ServiceStatus): string {
  const progress = service.progress ? ` ${service.progress.count}/${service.progress.needed}` : '';
  return `${service.state}${progress}`;
}

function nextCheckText(service: ServiceStatus, now: number): string {
  if (service.nextCheckAt == null) return '-';
  const wait = service.nextCheckAt - now;
  return wait > 0 ? `in ${formatAge(wait + 999)}` : 'now';
}

function maintenanceText(service: ServiceStatus, now: number): string {
  const m = service.maintenance;
  if (!m) return '-';
  return `${m.by}: ${m.reason} (${formatAge(now - m.since)} ago)`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** The `ctl status` table, as a person reads it. */
export function formatStatus(status: ProcessStatus, now: number): string {
  const head = `bgp-healthcheck ${status.version}, pid ${status.pid}, up ${formatAge(now - status.startedAt)}\n`;
  if (status.services.length === 0) return `${head}no services\n`;
  const rows = [['SERVICE', 'STATE', 'SINCE', 'NEXT CHECK', 'LAST CHECK', 'MAINTENANCE']];
  for (const service of status.services) {
    rows.push([
      service.name,
      stateText(service),
      `${formatTime(service.since)} (${formatAge(now - service.since)})`,
      nextCheckText(service, now),
      lastCheckText(service),
      maintenanceText(service, now),
    ]);
  }
  const checks = status.services.flatMap((service) =>
    (service.checks ?? []).map((c) => [
      `  ${service.name}`,
      c.name,
      c.target === c.name ? '' : c.target,
    ]),
  );
  return head + table(rows) + (checks.length > 0 ? `checks:\n${table(checks)}` : '');
}

/**
 * A failed verdict without the failures its rows already show: the policy's reason spells out each
 * failed check as `NAME: REASON` (joined by '; '), which the table below repeats one per row.
 */
function failedVerdict(report: CheckReport): string {
  const named = report.checks
    .filter(({ result }) => !result.ok)
    .map(({ name, result }) => `${name}: ${result.ok ? '' : result.reason}`)
    .join('; ');
  if (named === '' || !report.reason.includes(named)) return `failed: ${report.reason}`;
  // What is left is the policy's own words: 'every check failed: …' or 'score 30 < 70 (…)'.
  const own = report.reason
    .replace(named, '')
    .replace(/ \(\)$|: $/, '')
    .trim();
  return own === '' ? 'failed' : `failed: ${own}`;
}

/** The `ctl check` result: the overall verdict, then each check. */
export function formatCheck(service: string, report: CheckReport): string {
  const verdict = report.ok ? 'ok' : failedVerdict(report);
  let out = `${service}: ${verdict} (${Math.round(report.durationMs)} ms)\n`;
  if (report.checks.length > 0) {
    out += table(
      report.checks.map(({ name, result }) => [
        `  ${name}`,
        result.ok ? 'ok' : 'failed',
        `${Math.round(result.latencyMs)} ms`,
        result.ok ? (result.detail ?? '') : result.reason,
      ]),
    );
  }
  return out;
}

// Values crossing the socket are trusted to be the daemon's own types; only their presence is checked.
function isProcessStatus(value: unknown): value is ProcessStatus {
  return (
    typeof value === 'object' && value !== null && Array.isArray((value as ProcessStatus).services)
  );
}

function isCheckReport(value: unknown): value is CheckReport {
  return (
    typeof value === 'object' && value !== null && typeof (value as CheckReport).ok === 'boolean'
  );
}

async function send(
  socket: string,
  req: ControlRequest,
  timeoutMs: number,
): Promise<{ response: ControlResponse } | { error: ControlClientError }> {
  try {
    return { response: await request(socket, req, { timeoutMs }) };
  } catch (error) {
    if (error instanceof ControlClientError) return { error };
    throw error;
  }
}

function usage(io: CliIo, message: string): number {
  io.stderr(`bgp-healthcheck ctl: ${message}\n${USAGE}`);
  return EXIT_USAGE;
}

function clientFailure(io: CliIo, error: ControlClientError): number {
  io.stderr(`bgp-healthcheck ctl: ${error.message}\n`);
  return error.kind === 'not-running' ? EXIT_NOT_RUNNING : EXIT_FAILED;
}

/** Builds the request for the command line, or a usage error. */
function buildRequest(
  split: SplitArgs,
  by: string,
): ControlRequest | { drainAll: true } | { error: string } {
  const [verb, service, ...extra] = split.positional;
  const reason = lastValue(split, '--reason');
  if (verb === undefined) return { error: 'missing command' };
  if (reason !== undefined && verb !== 'disable')
    return { error: '--reason applies to disable only' };
  if (split.flags.has('--all') && verb !== 'drain') return { error: '--all applies to drain only' };
  const needsService = ['disable', 'enable', 'drain', 'check'].includes(verb);
  if (needsService) {
    if (verb === 'drain' && split.flags.has('--all')) {
      if (service !== undefined) return { error: 'drain takes SERVICE or --all, not both' };
      return { drainAll: true };
    }
    if (service === undefined) return { error: `${verb} needs a SERVICE` };
    if (extra.length > 0) return { error: `unexpected argument ${extra[0]}` };
  } else if (service !== undefined) {
    return { error: `unexpected argument ${service}` };
  }
  switch (verb) {
    case 'status':
      return { op: 'status' };
    case 'reload':
      return { op: 'reload', by };
    case 'disable': {
      if (reason === undefined || reason.trim() === '')
        return { error: 'disable needs --reason TEXT' };
      // The daemon refuses the same; said here, it is a usage error rather than a failed operation.
      const problem = textProblem('--reason', reason, MAX_REASON_CHARS);
      if (problem !== null) return { error: problem };
      return { op: 'disable', service: service as string, reason, by };
    }
    case 'enable':
      return { op: 'enable', service: service as string, by };
    case 'drain':
      return { op: 'drain', service: service as string, by };
    case 'check':
      return { op: 'check', service: service as string };
    default:
      return { error: `unknown command ${verb}` };
  }
}

/** Drains every service at once (for ExecStop=), each on its own connection. */
async function drainAll(
  io: CliIo,
  socket: string,
  json: boolean,
  timeoutMs: number,
  by: string,
): Promise<number> {
  const listed = await send(socket, { op: 'status' }, DEFAULT_TIMEOUT_MS.status);
  if ('error' in listed) return clientFailure(io, listed.error);
  if (!listed.response.ok) {
    io.stderr(`bgp-healthcheck ctl: ${listed.response.error}\n`);
    return EXIT_FAILED;
  }
  if (!isProcessStatus(listed.response.value)) {
    io.stderr('bgp-healthcheck ctl: the daemon answered status with an unexpected value\n');
    return EXIT_FAILED;
  }
  const { services } = listed.response.value;
  const results = await Promise.all(
    services.map(async ({ name: service }) => ({
      service,
      outcome: await send(socket, { op: 'drain', service, by }, timeoutMs),
    })),
  );
  // Drained already (by an earlier `ctl drain`) is where --all wants every service to be.
  const drained = new Map(
    services
      .filter((s) => s.state === 'DRAINING' || s.state === 'DRAINED')
      .map((s) => [s.name, s.state.toLowerCase()]),
  );
  let code = EXIT_OK;
  for (const { service, outcome } of results) {
    if ('response' in outcome && !outcome.response.ok && drained.has(service)) {
      if (!json) io.stdout(`${service}: already ${drained.get(service)}\n`);
    } else if ('error' in outcome) {
      code = Math.max(code, clientFailure(io, outcome.error));
    } else if (!outcome.response.ok) {
      io.stderr(`bgp-healthcheck ctl: drain ${service}: ${outcome.response.error}\n`);
      code = Math.max(code, EXIT_FAILED);
    } else if (!json) {
      io.stdout(`${service}: drained\n`);
    }
  }
  if (json)
    io.stdout(
      `${JSON.stringify(results.map(({ service, outcome }) => ({ service, ...outcome })))}\n`,
    );
  return code;
}

export async function ctlCommand(args: string[], io: CliIo): Promise<number> {
  const split = splitArgs(
    args,
    ['--socket', '--name', '--timeout', '--reason'],
    ['--json', '--all', '--help', '-h'],
  );
  if ('error' in split) return usage(io, split.error);
  if (split.flags.has('--help') || split.flags.has('-h')) {
    io.stdout(USAGE);
    return EXIT_OK;
  }
  const by = requester();
  const req = buildRequest(split, by);
  if ('error' in req) return usage(io, req.error);
  const timeoutMs = timeoutFromArgs(
    split,
    DEFAULT_TIMEOUT_MS['drainAll' in req ? 'drain' : req.op],
  );
  if (timeoutMs === null) return usage(io, '--timeout needs a positive number of seconds');
  const socket = socketFromArgs(split);
  const json = split.flags.has('--json');
  if ('drainAll' in req) return drainAll(io, socket, json, timeoutMs, by);

  const sent = await send(socket, req, timeoutMs);
  if ('error' in sent) return clientFailure(io, sent.error);
  const { response } = sent;
  if (json) io.stdout(`${JSON.stringify(response, null, 2)}\n`);
  if (!response.ok) {
    if (!json) io.stderr(`bgp-healthcheck ctl: ${req.op} failed: ${response.error}\n`);
    return EXIT_FAILED;
  }
  switch (req.op) {
    case 'status':
      if (!isProcessStatus(response.value)) {
        io.stderr('bgp-healthcheck ctl: the daemon answered status with an unexpected value\n');
        return EXIT_FAILED;
      }
      if (!json) io.stdout(formatStatus(response.value, Date.now()));
      return EXIT_OK;
    case 'check': {
      if (!isCheckReport(response.value)) {
        io.stderr('bgp-healthcheck ctl: the daemon answered check with an unexpected value\n');
        return EXIT_FAILED;
      }
      if (!json) io.stdout(formatCheck(req.service, response.value));
      return response.value.ok ? EXIT_OK : EXIT_FAILED;
    }
    case 'reload': {
      const summary = (response.value as { summary?: unknown } | null)?.summary;
      if (!json)
        io.stdout(
          `reloaded${typeof summary === 'string' && summary !== '' ? `: ${summary}` : ''}\n`,
        );
      return EXIT_OK;
    }
    case 'disable':
      if (!json) io.stdout(`${req.service}: disabled by ${req.by ?? by}: ${req.reason}\n`);
      return EXIT_OK;
    case 'enable':
      if (!json) io.stdout(`${req.service}: enabled\n`);
      return EXIT_OK;
    case 'drain':
      if (!json) io.stdout(`${req.service}: drained\n`);
      return EXIT_OK;
  }
}
