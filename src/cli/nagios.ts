// `bgp-healthcheck nagios`: a Nagios/Icinga plugin reading the service states over the control socket.
import { ControlClientError, request } from '../control/client.js';
import type { ProcessStatus, ServiceStatus } from '../runtime/control.js';
import { lastValue, socketFromArgs, splitArgs, timeoutFromArgs } from './ctl.js';
import type { CliIo } from './io.js';

export const NAGIOS_OK = 0;
export const NAGIOS_WARNING = 1;
export const NAGIOS_CRITICAL = 2;
export const NAGIOS_UNKNOWN = 3;

const LABELS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
type NagiosCode = 0 | 1 | 2 | 3;

const USAGE = `usage: bgp-healthcheck nagios [--socket PATH | --name NAME] [--warning N] [--critical N]
                              [--service NAME]... [--disabled ok|warning|critical] [--timeout SECONDS]
  A service counts as down in any state but UP, DISABLED, DRAINING and DRAINED (DOWN, FALLING,
  RISING, INIT).
  CRITICAL when more than --critical services (default 0) are down;
  WARNING when more than --warning services (default 0) are down or disabled.
  --disabled says how a service held by an operator (DISABLED in maintenance, DRAINING, DRAINED)
  counts: as a warning (default), not at all (ok), or as down (critical). --service limits the check to the named services (repeatable).
exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (daemon not running, bad arguments)
`;

export type DisabledPolicy = 'ok' | 'warning' | 'critical';

export interface NagiosOptions {
  readonly warning: number;
  readonly critical: number;
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

/** States an operator put the service in: counted by the --disabled policy, not as down. */
const HELD_STATES: ReadonlySet<string> = new Set(['DISABLED', 'DRAINING', 'DRAINED']);

function describeDisabled(service: ServiceStatus): string {
  if (service.state !== 'DISABLED') return `${service.name} ${service.state}`;
  const m = service.maintenance;
  return m ? `${service.name} (${m.by}: ${m.reason})` : `${service.name} (disable file)`;
}

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

  const up = services.filter((s) => s.state === 'UP');
  const disabled = services.filter((s) => HELD_STATES.has(s.state));
  const down = services.filter((s) => s.state !== 'UP' && !HELD_STATES.has(s.state));
  const criticalCount = down.length + (options.disabled === 'critical' ? disabled.length : 0);
  const warningCount = criticalCount + (options.disabled === 'warning' ? disabled.length : 0);
  const code: NagiosCode =
    criticalCount > options.critical
      ? NAGIOS_CRITICAL
      : warningCount > options.warning
        ? NAGIOS_WARNING
        : NAGIOS_OK;

  const total = services.length;
  const plural = total === 1 ? 'service' : 'services';
  const parts = [
    up.length === total ? `${total} ${plural} up` : `${up.length} of ${total} ${plural} up`,
  ];
  if (down.length > 0) parts.push(`down: ${down.map(describeDown).join(', ')}`);
  if (disabled.length > 0) parts.push(`disabled: ${disabled.map(describeDisabled).join(', ')}`);

  const perf = services.map((s) => `${perfLabel(s.name)}=${s.state === 'UP' ? 1 : 0};;;0;1`);
  perf.push(`services_down=${criticalCount};${options.warning};${options.critical};0;${total}`);
  return { code, line: line(code, parts.join('; '), perf.join(' ')) };
}

function parseCount(raw: string | undefined, option: string): number | string {
  if (raw === undefined) return 0;
  if (!/^\d+$/.test(raw)) return `${option} needs a whole number of services, got '${raw}'`;
  return Number(raw);
}

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
  const warning = parseCount(lastValue(split, '--warning') ?? lastValue(split, '-w'), '--warning');
  const critical = parseCount(
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
