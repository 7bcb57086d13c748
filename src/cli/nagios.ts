// `bgp-healthcheck nagios`: a Nagios/Icinga plugin reading the service states over the control socket.
import { ControlClientError, request } from '../control/client.js';
import type { ServiceState } from '../core/route-target.js';
import type { ProcessStatus, ServiceStatus } from '../runtime/control.js';
import { lastValue, socketFromArgs, splitArgs, timeoutFromArgs } from './ctl.js';
import type { CliIo } from './io.js';

export const NAGIOS_OK = 0;
export const NAGIOS_WARNING = 1;
export const NAGIOS_CRITICAL = 2;
export const NAGIOS_UNKNOWN = 3;

const LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
type NagiosCode = 0 | 1 | 2 | 3;

const USAGE = `usage: bgp-healthcheck nagios [--socket PATH | --name NAME] [--warning RANGE] [--critical RANGE]
                              [--service NAME]... [--disabled ok|warning|critical] [--timeout SECONDS]
  A service counts as down in any state but UP and those an operator chose (DOWN, FALLING, RISING,
  INIT); DISABLED (maintenance, disable file), DRAINING and DRAINED are out of service.
  CRITICAL when the number of down services is outside --critical (default 0);
  WARNING when the number of down and out-of-service services is outside --warning (default 0).
  RANGE is the monitoring-plugins syntax: 10 (alert above 10), 10: (below 10), ~:10 (above 10),
  10:20 (outside 10..20), @10:20 (inside 10..20).
  --disabled says how an out-of-service service counts: as a warning (default), not at all (ok),
  or as down (critical). --service limits the check to the named services (repeatable).
exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (daemon not running, bad arguments)
`;

/** How each state counts; a state added to ServiceState must be placed here (the compiler says so). */
export const STATE_VERDICT: Readonly<Record<ServiceState, 'up' | 'down' | 'out'>> = {
  UP: 'up',
  DOWN: 'down',
  FALLING: 'down',
  RISING: 'down',
  INIT: 'down',
  DISABLED: 'out',
  DRAINING: 'out',
  DRAINED: 'out',
};

/** A monitoring-plugins threshold range: alert outside [start, end], or inside it with `@`. */
export interface Range {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly inside: boolean;
}

const RANGE_NUMBER = /^-?(\d+(\.\d*)?|\.\d+)$/;

/** Parses `10`, `10:`, `~:10`, `10:20`, `@10:20`; returns an error text for anything else. */
export function parseRange(text: string): Range | string {
  const bad = `'${text}' is not a range (10, 10:, ~:10, 10:20 or @10:20)`;
  const inside = text.startsWith('@');
  const body = inside ? text.slice(1) : text;
  const colon = body.indexOf(':');
  const [low, high] = colon === -1 ? ['0', body] : [body.slice(0, colon), body.slice(colon + 1)];
  let start: number;
  if (low === '~') start = -Infinity;
  else if (RANGE_NUMBER.test(low)) start = Number(low);
  else return bad;
  let end: number;
  if (high === '' && colon !== -1) end = Infinity;
  else if (RANGE_NUMBER.test(high)) end = Number(high);
  else return bad;
  if (start > end) return `${bad}: the start is above the end`;
  return { text, start, end, inside };
}

/** Whether `value` raises the alert of `range`. */
export function alerts(range: Range, value: number): boolean {
  const within = value >= range.start && value <= range.end;
  return range.inside ? within : !within;
}

const ZERO = parseRange('0') as Range;

export type DisabledPolicy = 'ok' | 'warning' | 'critical';

export interface NagiosOptions {
  readonly warning: Range;
  readonly critical: Range;
  readonly services: readonly string[];
  readonly disabled: DisabledPolicy;
}

export interface NagiosResult {
  readonly code: NagiosCode;
  /** The single line the plugin prints, perfdata included. */
  readonly line: string;
}

// The status line is one line, and `|` would start the perfdata early.
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\|/g, '/');
}

function perfLabel(name: string): string {
  const label = clean(name).replace(/'/g, "''");
  return /[\s=']/.test(label) ? `'${label}'` : label;
}

function describeDown(service: ServiceStatus): string {
  const reason = service.lastCheck && !service.lastCheck.ok ? ` (${service.lastCheck.reason})` : '';
  return `${service.name} ${service.state}${reason}`;
}

function describeOut(service: ServiceStatus): string {
  const m = service.maintenance;
  if (m) return `${service.name} (${m.by}: ${m.reason})`;
  if (service.state === 'DISABLED') return `${service.name} (disable file)`;
  return `${service.name} (${service.state})`;
}

const verdictOf = (s: ServiceStatus): 'up' | 'down' | 'out' => STATE_VERDICT[s.state];

function line(code: NagiosCode, text: string, perfdata = ''): string {
  return `BGP-HEALTHCHECK ${LABELS[code]} - ${clean(text)}${perfdata === '' ? '' : ` | ${perfdata}`}`;
}

/** The plugin's verdict on a status; pure, so every threshold case is a plain test. */
export function evaluate(status: ProcessStatus, options: NagiosOptions): NagiosResult {
  let services = status.services;
  if (options.services.length > 0) {
    const known = new Set(services.map((s) => s.name));
    const missing = options.services.filter((name) => !known.has(name));
    if (missing.length > 0) {
      const knownList = [...known].join(', ') || 'none';
      return {
        code: NAGIOS_UNKNOWN,
        line: line(
          NAGIOS_UNKNOWN,
          `unknown service ${missing.map((n) => `'${n}'`).join(', ')} (known: ${knownList})`,
        ),
      };
    }
    const wanted = new Set(options.services);
    services = services.filter((s) => wanted.has(s.name));
  }
  if (services.length === 0)
    return { code: NAGIOS_UNKNOWN, line: line(NAGIOS_UNKNOWN, 'no services configured') };

  const up = services.filter((s) => verdictOf(s) === 'up');
  const out = services.filter((s) => verdictOf(s) === 'out');
  const down = services.filter((s) => verdictOf(s) === 'down');
  const criticalCount = down.length + (options.disabled === 'critical' ? out.length : 0);
  const warningCount = down.length + (options.disabled === 'ok' ? 0 : out.length);
  const code: NagiosCode = alerts(options.critical, criticalCount)
    ? NAGIOS_CRITICAL
    : alerts(options.warning, warningCount)
      ? NAGIOS_WARNING
      : NAGIOS_OK;

  const total = services.length;
  const plural = total === 1 ? 'service' : 'services';
  const parts = [
    up.length === total ? `${total} ${plural} up` : `${up.length} of ${total} ${plural} up`,
  ];
  if (down.length > 0) parts.push(`down: ${down.map(describeDown).join(', ')}`);
  if (out.length > 0) parts.push(`out of service: ${out.map(describeOut).join(', ')}`);

  // Perfdata as the plugin guidelines have it: label=value;warn;crit;min;max, thresholds as ranges.
  const perf = services.map((s) => `${perfLabel(s.name)}=${verdictOf(s) === 'up' ? 1 : 0};;;0;1`);
  perf.push(
    `services_down=${criticalCount};${perfRange(options.warning)};${perfRange(options.critical)};0;${total}`,
    `services_out_of_service=${out.length};;;0;${total}`,
  );
  return { code, line: line(code, parts.join('; '), perf.join(' ')) };
}

function parseThreshold(raw: string | undefined, option: string): Range | string {
  if (raw === undefined) return ZERO;
  const range = parseRange(raw);
  return typeof range === 'string' ? `${option}: ${range}` : range;
}

/** The range as perfdata writes it: the text given, which the guidelines define. */
const perfRange = (range: Range): string => clean(range.text).replace(/[;\s]/g, '');

function unknown(io: CliIo, text: string): number {
  io.stdout(`${line(NAGIOS_UNKNOWN, text)}\n`);
  return NAGIOS_UNKNOWN;
}

export async function nagiosCommand(args: string[], io: CliIo): Promise<number> {
  const split = splitArgs(
    args,
    [
      '--socket',
      '--name',
      '--timeout',
      '--warning',
      '-w',
      '--critical',
      '-c',
      '--service',
      '-s',
      '--disabled',
    ],
    ['--help', '-h'],
  );
  if ('error' in split) return unknown(io, `usage: ${split.error} (see --help)`);
  if (split.flags.has('--help') || split.flags.has('-h')) {
    io.stdout(USAGE);
    return NAGIOS_OK;
  }
  if (split.positional.length > 0)
    return unknown(io, `usage: unexpected argument ${split.positional[0]} (see --help)`);
  const warning = parseThreshold(
    lastValue(split, '--warning') ?? lastValue(split, '-w'),
    '--warning',
  );
  const critical = parseThreshold(
    lastValue(split, '--critical') ?? lastValue(split, '-c'),
    '--critical',
  );
  if (typeof warning === 'string') return unknown(io, `usage: ${warning}`);
  if (typeof critical === 'string') return unknown(io, `usage: ${critical}`);
  const disabled = lastValue(split, '--disabled') ?? 'warning';
  if (disabled !== 'ok' && disabled !== 'warning' && disabled !== 'critical') {
    return unknown(io, `usage: --disabled must be ok, warning or critical, got '${disabled}'`);
  }
  const services = [...(split.values.get('--service') ?? []), ...(split.values.get('-s') ?? [])]
    .flatMap((value) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const timeoutMs = timeoutFromArgs(split, 10_000);
  if (timeoutMs === null) return unknown(io, 'usage: --timeout needs a positive number of seconds');

  let response;
  try {
    response = await request(socketFromArgs(split), { op: 'status' }, { timeoutMs });
  } catch (error) {
    if (error instanceof ControlClientError) return unknown(io, error.message);
    throw error;
  }
  if (!response.ok) return unknown(io, `status failed: ${response.error}`);
  const status = response.value as ProcessStatus | null;
  if (typeof status !== 'object' || status === null || !Array.isArray(status.services)) {
    return unknown(io, 'the daemon answered status with an unexpected value');
  }
  const result = evaluate(status, { warning, critical, services, disabled });
  io.stdout(`${result.line}\n`);
  return result.code;
}
