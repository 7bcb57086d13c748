// The ExaBGP-compatible command line and its line-per-option config file, turned into one typed Service.
import {
  parseAsPath,
  parseCommunities,
  parseExtendedCommunities,
  parseLargeCommunities,
} from '../core/attributes.js';
import { InvalidValueError, readFailureReason } from '../core/errors.js';
import type { AnnouncedState } from '../core/health.js';
import { parseIpAddress, parseIpPrefix, type IpPrefix } from '../core/ip.js';
import { parseListenAddress, type ListenAddress } from '../core/listen-address.js';
import { parseServiceName } from '../core/printable.js';
import { parseSocketPath } from '../core/socket-path.js';
import type { ApiForm } from '../core/encoder.js';
import type { NextHop, RoutePolicy } from '../core/route.js';
import type { CheckSpec, Service } from '../core/service.js';
import { LOG_FORMATS, type LogFormat } from '../core/logger.js';
import {
  ArgvError,
  argvTokens,
  checkExclusive,
  configFileTokens,
  tokenize,
  type Occurrence,
  type Origin,
} from './argv.js';
import { DEFAULT_INCREASE, DEFAULT_METRICS, DEFAULT_TIMING } from './defaults.js';
import { ConfigError, type ConfigIssue } from './errors.js';

export const SYSLOG_FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'lpr',
  'news',
  'uucp',
  'cron',
  'syslog',
  'authpriv',
  'ftp',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

export interface LoggingOptions {
  readonly debug: boolean;
  readonly silent: boolean;
  /** null when syslog is off (`--no-syslog`, or `--debug` as the reference). */
  readonly syslogFacility: string | null;
  readonly name: string | null;
  /** Log to stderr even when syslog works and stderr is not a terminal. */
  readonly stderr: boolean;
  /** `--log-format`, null when not given (a YAML file may set it). */
  readonly format: LogFormat | null;
  /** `--log-summary-interval` in seconds, null when not given. */
  readonly summaryInterval: number | null;
}

/** Everything the command line says, typed. */
export interface HealthcheckOptions {
  readonly help: boolean;
  readonly version: boolean;
  readonly logging: LoggingOptions;
  readonly noAck: boolean;
  readonly pidFile: string | null;
  readonly user: string | null;
  readonly group: string | null;
  readonly apiForm: ApiForm;
  /** Seconds to wait for one ack from ExaBGP. */
  readonly ackTimeout: number;
  /** Where to serve metrics and the status page (`--metrics-listen`). */
  readonly metricsListen: ListenAddress | null;
  /** The control socket: a path, '' for the default path, null when off. */
  readonly ctlSocket: string | null;
  readonly maintenanceFile: string | null;
  /** Seconds of graceful drain on stop, for services that set none. */
  readonly drainTime: number;
  /** Options given that describe a service (not allowed beside a YAML file, which describes its own). */
  readonly serviceOptionsGiven: readonly string[];
  /** A structured (YAML) config file to load services from, instead of `service`. */
  readonly servicesFile: string | null;
  /** The one service described by the options (when no YAML file is given). */
  readonly service: Service;
}

export type ReadFile = (path: string) => string;

const MAX_UINT32 = 0xffffffff;
const SERVICE_GROUPS = new Set(['checking healthiness', 'advertising options', 'reporting']);
const SERVICE_DESTS = new Set(['sudo']);
const IFNAME = /^[a-zA-Z0-9._:-]{1,15}$/;

export const isStructuredConfig = (path: string): boolean => /\.ya?ml$/i.test(path);

function issueAt(path: string, origin: Origin, message: string): ConfigIssue {
  return origin.kind === 'file'
    ? { path, file: origin.file, line: origin.line, message }
    : { path, message };
}

/** Reads the option occurrences: the config file's first, then the command line's, as the reference. */
export function collectOccurrences(argv: readonly string[], readFile: ReadFile): Occurrence[] {
  const fromArgv = tokenize(argvTokens(argv));
  const configOcc = fromArgv.filter((o) => o.spec.dest === 'config').at(-1);
  let all = fromArgv;
  if (configOcc && configOcc.value !== null && !isStructuredConfig(configOcc.value)) {
    let text: string;
    try {
      text = readFile(configOcc.value);
    } catch (error) {
      throw new ConfigError([
        {
          path: '--config',
          message: `cannot read '${configOcc.value}': ${readFailureReason(error)}`,
        },
      ]);
    }
    all = [...tokenize(configFileTokens(text, configOcc.value)), ...fromArgv];
  }
  checkExclusive(all);
  return all;
}

class Reader {
  readonly issues: ConfigIssue[] = [];
  private readonly last = new Map<string, Occurrence>();
  private readonly lists = new Map<string, Occurrence[]>();

  constructor(occurrences: readonly Occurrence[]) {
    for (const occ of occurrences) {
      if (occ.spec.kind === 'append') {
        const list = this.lists.get(occ.spec.dest) ?? [];
        list.push(occ);
        this.lists.set(occ.spec.dest, list);
      } else {
        this.last.set(occ.spec.dest, occ);
      }
    }
  }

  flag(dest: string): boolean {
    return this.last.has(dest);
  }

  raw(dest: string): Occurrence | undefined {
    return this.last.get(dest);
  }

  all(dest: string): Occurrence[] {
    return this.lists.get(dest) ?? [];
  }

  /** Parses one value with `parse`, recording a located issue instead of throwing. */
  value<T>(dest: string, parse: (text: string) => T): T | undefined {
    const occ = this.last.get(dest);
    return occ ? this.convert(occ, parse) : undefined;
  }

  convert<T>(occ: Occurrence, parse: (text: string) => T): T | undefined {
    try {
      return parse(occ.value ?? '');
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      this.issues.push(issueAt(occ.spec.long[0]!, occ.origin, error.message));
      return undefined;
    }
  }
}

function safeText(what: string): (text: string) => string {
  return (text) => {
    if (/[\r\n\0]/.test(text)) throw new InvalidValueError(`${what} may not contain a line break`);
    return text;
  };
}

function integer(min: number, max: number): (text: string) => number {
  return (text) => {
    // Spaces around a number are fine (as Python's int()); a line break never is.
    const t = text.replace(/^[ \t]+|[ \t]+$/g, '');
    if (!/^[+-]?\d+$/.test(t)) throw new InvalidValueError(`'${text}' is not an integer`);
    const n = Number(t);
    if (n < min || n > max) throw new InvalidValueError(`${n} is out of range (${min} to ${max})`);
    return n;
  };
}

function seconds(text: string): number {
  const t = text.replace(/^[ \t]+|[ \t]+$/g, '');
  if (!/^\+?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
    throw new InvalidValueError(
      `${JSON.stringify(text)}: use a number of seconds, such as 5 or 0.5`,
    );
  }
  const n = Number(t);
  if (!Number.isFinite(n) || n > 86400 * 365)
    throw new InvalidValueError(`'${text}' is out of range`);
  return n;
}

function nextHop(text: string): NextHop {
  return text === 'self' ? 'self' : parseIpAddress(text);
}

function facility(text: string): string {
  const f = text.toLowerCase();
  if (!(SYSLOG_FACILITIES as readonly string[]).includes(f)) {
    throw new InvalidValueError(
      `'${text}' is not a syslog facility (${SYSLOG_FACILITIES.join(', ')})`,
    );
  }
  return f;
}

/** A control socket path that can be bound, or '' for the default path. */
function socketPath(text: string): string {
  if (text !== '') parseSocketPath(text, process.cwd());
  return text;
}

function logFormat(text: string): LogFormat {
  if ((LOG_FORMATS as readonly string[]).includes(text)) return text as LogFormat;
  throw new InvalidValueError(`'${text}' is not a log format (${LOG_FORMATS.join(', ')})`);
}

function apiForm(text: string): ApiForm {
  if (text === '4' || text === '5') return Number(text) as ApiForm;
  throw new InvalidValueError(`'${text}' is not an API version (4 or 5)`);
}

function commands(reader: Reader, dest: string): string[] {
  return reader
    .all(dest)
    .map((o) => reader.convert(o, safeText('a command')))
    .filter((c): c is string => c !== undefined);
}

/** ExaBGP 5's healthcheck takes `--neighbor '*'` for every neighbor. */
const ALL_NEIGHBORS = '*';

/** Parses the reference's command line (and its `--config` file) into typed options. Throws ConfigError. */
export function parseHealthcheckArgs(
  argv: readonly string[],
  readFile: ReadFile,
): HealthcheckOptions {
  let occurrences: Occurrence[];
  try {
    occurrences = collectOccurrences(argv, readFile);
  } catch (error) {
    if (error instanceof ArgvError) {
      throw new ConfigError([issueAt('arguments', error.origin, error.message)]);
    }
    throw error;
  }
  const r = new Reader(occurrences);
  const u32 = integer(0, MAX_UINT32);
  const nonNegative = integer(0, 1_000_000);

  const debug = r.flag('debug');
  const noSyslog = r.flag('noSyslog');
  const syslogFacility = r.value('syslogFacility', facility) ?? 'daemon';
  const name = r.value('name', parseServiceName) ?? null;
  const configFile = r.raw('config')?.value ?? null;

  const ips: IpPrefix[] = r
    .all('ip')
    .map((o) => r.convert(o, parseIpPrefix))
    .filter((p): p is IpPrefix => p !== undefined);
  const ifnames: Record<string, string> = {};
  for (const occ of r.all('ipIfname')) {
    r.convert(occ, (text) => {
      const parts = text.split('%');
      if (parts.length !== 2) {
        throw new InvalidValueError(`expected IP%IFNAME, got '${text}'`);
      }
      const prefix = parseIpPrefix(parts[0]!);
      if (!ips.some((ip) => ip.text === prefix.text)) {
        throw new InvalidValueError(`no --ip has been given for '${text}'`);
      }
      if (!IFNAME.test(parts[1]!)) {
        throw new InvalidValueError(
          `'${parts[1]}' is not an interface name (1-15 of a-z A-Z 0-9 . _ : -)`,
        );
      }
      ifnames[prefix.text] = parts[1]!;
    });
  }

  const metrics: Record<AnnouncedState, number> = {
    UP: r.value('upMetric', u32) ?? DEFAULT_METRICS.UP,
    DOWN: r.value('downMetric', u32) ?? DEFAULT_METRICS.DOWN,
    DISABLED: r.value('disabledMetric', u32) ?? DEFAULT_METRICS.DISABLED,
  };
  const increase = r.value('increase', integer(-MAX_UINT32, MAX_UINT32)) ?? DEFAULT_INCREASE;
  const localPreference = r.value('localPreference', integer(-MAX_UINT32, MAX_UINT32)) ?? -1;
  const stateAsPaths: Partial<Record<AnnouncedState, ReturnType<typeof parseAsPath>>> = {};
  const up = r.value('upAsPath', parseAsPath);
  const down = r.value('downAsPath', parseAsPath);
  const disabled = r.value('disabledAsPath', parseAsPath);
  if (up) stateAsPaths.UP = up;
  if (down) stateAsPaths.DOWN = down;
  if (disabled) stateAsPaths.DISABLED = disabled;

  const neighborValues = r.all('neighbor');
  const routes: RoutePolicy = {
    prefixes: ips,
    nextHop: r.value('nextHop', nextHop) ?? 'self',
    metrics,
    increase,
    localPreference: localPreference >= 0 ? localPreference : null,
    communities: r.value('community', parseCommunities) ?? null,
    disabledCommunities: r.value('disabledCommunity', parseCommunities) ?? null,
    extendedCommunities: r.value('extendedCommunity', parseExtendedCommunities) ?? null,
    largeCommunities: r.value('largeCommunity', parseLargeCommunities) ?? null,
    asPath: r.value('asPath', parseAsPath) ?? null,
    stateAsPaths,
    pathId: r.value('pathId', u32) ?? null,
    // `*` is ExaBGP 5's "every neighbor": the same as naming none.
    neighbors: neighborValues.some((o) => o.value === ALL_NEIGHBORS)
      ? []
      : neighborValues.map((o) => r.convert(o, parseIpAddress)).filter((n) => n !== undefined),
    withdrawOnDown: r.flag('withdrawOnDown'),
  };

  const command = r.value('command', safeText('the check command'));
  const timeout = r.value('timeout', nonNegative) ?? DEFAULT_TIMING.timeout;
  const checks: CheckSpec[] = command !== undefined ? [{ kind: 'command', command }] : [];
  const label = r.value('label', (text) => {
    if (!/^[^\s\\]+$/.test(text)) throw new InvalidValueError(`'${text}' is not a label`);
    return text;
  });

  const service: Service = {
    name: name ?? 'healthcheck',
    timing: {
      ...DEFAULT_TIMING,
      interval: r.value('interval', seconds) ?? DEFAULT_TIMING.interval,
      fastInterval: r.value('fastInterval', seconds) ?? DEFAULT_TIMING.fastInterval,
      timeout,
      rise: r.value('rise', nonNegative) ?? DEFAULT_TIMING.rise,
      fall: r.value('fall', nonNegative) ?? DEFAULT_TIMING.fall,
      debounce: r.flag('debounce'),
    },
    disableFile: r.value('disable', safeText('a file name')) ?? null,
    checks,
    policy: { kind: 'all' },
    hooks: {
      any: commands(r, 'execute'),
      byState: {
        UP: commands(r, 'upExecute'),
        DOWN: commands(r, 'downExecute'),
        DISABLED: commands(r, 'disabledExecute'),
      },
    },
    addresses: {
      label: label ?? null,
      labelExactMatch: r.flag('labelExactMatch'),
      setup: !r.flag('noIpSetup'),
      dynamic: r.flag('dynamicIpSetup'),
      sudo: r.flag('sudo'),
      ifnames,
      deaggregate: r.flag('deaggregateNetworks'),
      startIp: r.value('startIp', integer(-1_000_000, 1_000_000)) ?? 0,
    },
    routes,
  };

  const options: HealthcheckOptions = {
    help: r.flag('help'),
    version: r.flag('version'),
    logging: {
      debug,
      silent: r.flag('silent'),
      syslogFacility: noSyslog || debug ? null : syslogFacility,
      name,
      stderr: r.flag('logStderr'),
      format: r.value('logFormat', logFormat) ?? null,
      summaryInterval: r.value('logSummaryInterval', seconds) ?? null,
    },
    noAck: r.flag('noAck'),
    pidFile: r.value('pid', safeText('a file name')) ?? null,
    user: r.value('user', safeText('a user name')) ?? null,
    group: r.value('group', safeText('a group name')) ?? null,
    apiForm: r.value('apiVersion', apiForm) ?? 4,
    ackTimeout: r.value('ackTimeout', seconds) ?? 10,
    metricsListen: r.value('metricsListen', parseListenAddress) ?? null,
    ctlSocket: r.value('ctlSocket', socketPath) ?? null,
    maintenanceFile: r.value('maintenanceFile', safeText('a file name')) ?? null,
    drainTime: r.value('drainTime', seconds) ?? 0,
    serviceOptionsGiven: [
      ...new Set(
        occurrences
          .filter((o) => SERVICE_GROUPS.has(o.spec.group) || SERVICE_DESTS.has(o.spec.dest))
          .map((o) => o.spec.long[0]!),
      ),
    ],
    servicesFile: configFile !== null && isStructuredConfig(configFile) ? configFile : null,
    service,
  };
  if (r.issues.length > 0) throw new ConfigError(r.issues);
  return options;
}
