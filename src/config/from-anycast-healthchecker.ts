// Turns anycast-healthchecker's INI files (the main file and the service files) into the
// equivalent YAML config: BIRD 2 driven with the prefix-set layout, one service per section.
import { Document, isScalar, visit } from 'yaml';
import { parseIpPrefix } from '../core/ip.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { IniReader, type IniSection, type IniValue } from './ini.js';

export interface IniSource {
  readonly file: string;
  readonly text: string;
}

/** A setting that has no equivalent, or only a partial one: a YAML comment and a line on stderr. */
export interface ConversionWarning {
  readonly file: string;
  readonly line: number;
  readonly key: string;
  readonly message: string;
}

export interface AnycastConversion {
  readonly yaml: string;
  readonly warnings: readonly ConversionWarning[];
}

export function formatWarning(w: ConversionWarning): string {
  return `${w.file}:${w.line}: ${w.key}: ${w.message}`;
}

const DAEMON = 'daemon';

/** anycast-healthchecker's documented defaults of the daemon section. */
const DAEMON_DEFAULTS = {
  ipv4: 'true',
  ipv6: 'false',
  bird_conf: '/var/lib/anycast-healthchecker/anycast-prefixes.conf',
  bird6_conf: '/var/lib/anycast-healthchecker/6/anycast-prefixes.conf',
  bird_variable: 'ACAST_PS_ADVERTISE',
  bird6_variable: 'ACAST6_PS_ADVERTISE',
  bird_reconfigure_cmd: 'sudo /usr/sbin/birdc configure',
  bird6_reconfigure_cmd: 'sudo /usr/sbin/birdc6 configure',
  dummy_ip_prefix: '10.189.200.255/32',
  dummy_ip6_prefix: '2001:db8::1/128',
} as const;

/** Its documented DEFAULT section: what a service check starts from. */
const SERVICE_DEFAULTS = {
  interface: 'lo',
  check_interval: '10',
  check_timeout: '2',
  check_rise: '2',
  check_fail: '2',
  check_disabled: 'true',
  on_disabled: 'withdraw',
  ip_check_disabled: 'false',
} as const;

const SERVICE_KEYS = new Set([
  ...Object.keys(SERVICE_DEFAULTS),
  'check_cmd',
  'ip_prefix',
  'ip_version',
]);

const LOGGING =
  'bgp-healthcheck logs to syslog and stderr (its log format and facility: docs/operations.md)';
const NO_HISTORY = 'no history of the BIRD file is kept';
const NOT_CARRIED: Readonly<Record<string, string>> = {
  pidfile: 'not part of the YAML file: give --pid FILE on the command line',
  loglevel: LOGGING,
  log_file: LOGGING,
  log_maxbytes: LOGGING,
  log_backups: LOGGING,
  stderr_file: LOGGING,
  log_server: LOGGING,
  log_server_port: LOGGING,
  json_stdout: LOGGING,
  json_log_file: LOGGING,
  json_log_server: LOGGING,
  bird_keep_changes: NO_HISTORY,
  bird6_keep_changes: NO_HISTORY,
  bird_changes_counter: NO_HISTORY,
  bird6_changes_counter: NO_HISTORY,
  purge_ip_prefixes:
    'always on here: the sets hold only the prefixes of configured services, from the start',
  splay_startup: 'no equivalent; timing.jitter spreads every check instead',
  custom_bird_reconfigure_cmd:
    "no per-service command: the speaker's reconfigure runs after every change",
  custom_bird_reconfigure_cmd_timeout:
    "no per-service command: the speaker's reconfigure runs after every change",
};
const HTTP_OR_PROMETHEUS =
  'no equivalent setting; bgp-healthcheck serves Prometheus metrics and a status page itself (metrics: in the YAML file, docs/observability.md)';

function problem(value: IniValue, message: string): ConfigIssue {
  return { file: value.file, line: value.line, path: value.key, message };
}

function boolean(value: IniValue): boolean {
  // configparser's getboolean.
  const text = value.value.toLowerCase();
  if (['1', 'yes', 'true', 'on'].includes(text)) return true;
  if (['0', 'no', 'false', 'off'].includes(text)) return false;
  throw new ConfigError([problem(value, `expected true or false, not '${value.value}'`)]);
}

function seconds(value: IniValue, allowZero: boolean): number {
  const number = Number(value.value);
  if (
    value.value.trim() === '' ||
    !Number.isFinite(number) ||
    number < 0 ||
    (!allowZero && number === 0)
  )
    throw new ConfigError([problem(value, `expected a number of seconds, not '${value.value}'`)]);
  return number;
}

function count(value: IniValue): number {
  const number = Number(value.value);
  if (!Number.isInteger(number) || number < 1)
    throw new ConfigError([
      problem(value, `expected a whole number of 1 or more, not '${value.value}'`),
    ]);
  return number;
}

function prefixText(value: IniValue, what: string): { text: string; family: 4 | 6 } {
  const raw = value.value.trim();
  const withLength = raw.includes('/') ? raw : `${raw}/${raw.includes(':') ? 128 : 32}`;
  try {
    const prefix = parseIpPrefix(withLength);
    return { text: prefix.text, family: prefix.family };
  } catch {
    throw new ConfigError([problem(value, `expected ${what}, not '${value.value}'`)]);
  }
}

/** A value: the section's, or the documented default (then at the section's header line). */
function getter(section: IniSection, defaults: Readonly<Record<string, string>>) {
  return (key: string): IniValue => {
    const own = section.values.get(key);
    if (own !== undefined) return own;
    return {
      key,
      value: defaults[key] ?? '',
      raw: defaults[key] ?? '',
      file: section.file,
      line: section.line,
    };
  };
}

/** anycast-healthchecker splits check_cmd into words; a shell sees these characters otherwise. */
const SHELL_SPECIAL = /[|&;<>()$`\\*?[\]#~{}!]/;

function serviceOf(
  section: IniSection,
  families: { ipv4: boolean; ipv6: boolean },
  warn: (value: IniValue, message: string) => void,
): { comments: string[]; service: Record<string, unknown> } {
  const get = getter(section, SERVICE_DEFAULTS);
  const prefixValue = section.values.get('ip_prefix');
  if (prefixValue === undefined) {
    throw new ConfigError([
      {
        file: section.file,
        line: section.line,
        path: `[${section.name}]`,
        message: 'ip_prefix is not set',
      },
    ]);
  }
  const prefix = prefixText(prefixValue, 'an IP prefix such as 10.52.12.1/32');
  const version = section.values.get('ip_version');
  if (version !== undefined && version.value !== String(prefix.family)) {
    throw new ConfigError([
      problem(version, `ip_version ${version.value} does not match ip_prefix ${prefix.text}`),
    ]);
  }
  if ((prefix.family === 4 && !families.ipv4) || (prefix.family === 6 && !families.ipv6)) {
    throw new ConfigError([
      problem(
        prefixValue,
        `an IPv${prefix.family} prefix while ipv${prefix.family} is false in [daemon]`,
      ),
    ]);
  }
  for (const key of section.own) {
    if (SERVICE_KEYS.has(key)) continue;
    const value = section.values.get(key);
    if (value === undefined) continue;
    warn(value, NOT_CARRIED[key] ?? 'not a service setting convert knows; left out');
  }

  const interval = seconds(get('check_interval'), false);
  const timing = {
    interval,
    // anycast-healthchecker checks at one pace, whatever the state.
    'fast-interval': interval,
    timeout: seconds(get('check_timeout'), false),
    rise: count(get('check_rise')),
    fall: count(get('check_fail')),
  };

  const disabled = get('check_disabled');
  const onDisabled = get('on_disabled');
  if (!['withdraw', 'advertise'].includes(onDisabled.value))
    throw new ConfigError([
      problem(onDisabled, `expected withdraw or advertise, not '${onDisabled.value}'`),
    ]);
  if (!section.values.has('check_disabled')) {
    warn(
      disabled,
      'not set: anycast-healthchecker documents true as its default, so this service is converted as disabled',
    );
  }

  const checks: Record<string, unknown>[] = [];
  const comments: string[] = [];
  if (boolean(disabled)) {
    // A disabled check: the prefix stays out of the set (withdraw) or in it (advertise).
    const advertise = onDisabled.value === 'advertise';
    checks.push({ type: 'command', name: 'check_disabled', command: advertise ? 'true' : 'false' });
    const kept = section.values.get('check_cmd');
    comments.push(
      ` check_disabled = true, on_disabled = ${onDisabled.value}: ${advertise ? 'always announced' : 'never announced'}.`,
    );
    if (kept !== undefined)
      comments.push(` The check it would run: ${kept.value.replace(/\s*\n\s*/g, ' ')}`);
    if (advertise) timing.rise = 1;
  } else {
    const command = section.values.get('check_cmd');
    if (command === undefined || command.value.trim() === '') {
      throw new ConfigError([
        {
          file: section.file,
          line: section.line,
          path: `[${section.name}]`,
          message: 'check_cmd is not set (and check_disabled is false)',
        },
      ]);
    }
    // configparser joins continued lines with a newline; the words are what count.
    const text = command.value.split(/\s*\n\s*/).join(' ');
    if (SHELL_SPECIAL.test(text)) {
      warn(
        command,
        'runs through /bin/sh here, where anycast-healthchecker splits it into words without a shell: check its quoting and special characters',
      );
    }
    checks.push({ type: 'command', name: 'check_cmd', command: text });
    if (!boolean(get('ip_check_disabled'))) {
      const ifname = get('interface').value;
      if (!/^[A-Za-z0-9_.@:-]{1,15}$/.test(ifname))
        throw new ConfigError([
          problem(get('interface'), `expected an interface name, not '${ifname}'`),
        ]);
      // anycast-healthchecker counts the service down while ip_prefix is not on the interface.
      checks.push({
        type: 'command',
        name: `ip_prefix on ${ifname}`,
        command: `ip -o address show dev ${ifname} to ${prefix.text} | grep -q .`,
      });
    }
  }
  return {
    comments,
    service: {
      name: section.name,
      routes: { prefixes: [prefix.text], 'ip-setup': false },
      timing,
      checks,
    },
  };
}

/**
 * Converts the main file (null: anycast-healthchecker's defaults) and the service files, in the
 * order given. Throws ConfigError naming file and line for what cannot be converted.
 */
export function convertAnycastHealthchecker(
  main: IniSource | null,
  serviceFiles: readonly IniSource[],
): AnycastConversion {
  const warnings: ConversionWarning[] = [];
  const warn = (value: IniValue, message: string) =>
    warnings.push({ file: value.file, line: value.line, key: value.key, message });

  // anycast-healthchecker reads every file into one parser: DEFAULT is shared, a later file overrides.
  const reader = new IniReader();
  if (main !== null) reader.read(main.file, main.text);
  for (const source of serviceFiles) reader.read(source.file, source.text);
  const sections = reader.result();
  for (const value of reader.defaultValues().values()) {
    if (!SERVICE_KEYS.has(value.key))
      warn(value, NOT_CARRIED[value.key] ?? 'not a setting convert knows; left out');
  }

  const daemonSection = sections.find((s) => s.name === DAEMON && s.file === main?.file);
  const daemon = daemonSection
    ? getter(daemonSection, DAEMON_DEFAULTS)
    : (key: string): IniValue => ({
        key,
        value: DAEMON_DEFAULTS[key as keyof typeof DAEMON_DEFAULTS],
        raw: '',
        file: main?.file ?? '',
        line: 0,
      });
  if (daemonSection) {
    for (const key of daemonSection.own) {
      if (key in DAEMON_DEFAULTS || SERVICE_KEYS.has(key)) continue;
      const value = daemonSection.values.get(key);
      if (value === undefined) continue;
      const message =
        NOT_CARRIED[key] ??
        (key.startsWith('http_server') || key.startsWith('prometheus')
          ? HTTP_OR_PROMETHEUS
          : 'not a daemon setting convert knows; left out');
      warn(value, message);
    }
  }
  const families = { ipv4: boolean(daemon('ipv4')), ipv6: boolean(daemon('ipv6')) };
  const file = daemon('bird_conf').value;
  const file6 = daemon('bird6_conf').value;
  const reconfigure = daemon('bird_reconfigure_cmd');
  const reconfigure6 = daemon('bird6_reconfigure_cmd');
  if (families.ipv6 && reconfigure6.value !== reconfigure.value) {
    warn(
      reconfigure6,
      `BIRD 2 serves both families: one reconfigure command (${reconfigure.value}) follows every change`,
    );
  }
  const birdName = (value: IniValue) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(value.value))
      throw new ConfigError([
        problem(value, `expected a BIRD variable name, not '${value.value}'`),
      ]);
    return value.value;
  };
  const speaker: Record<string, unknown> = {
    type: 'bird',
    layout: 'prefix-set',
    file,
    ...(families.ipv6 && file6 !== file ? { file6 } : {}),
    variable: birdName(daemon('bird_variable')),
    variable6: birdName(daemon('bird6_variable')),
    'dummy-prefix': prefixText(daemon('dummy_ip_prefix'), 'an IPv4 prefix').text,
    'dummy-prefix6': prefixText(daemon('dummy_ip6_prefix'), 'an IPv6 prefix').text,
    reconfigure: reconfigure.value.replace(/\s*\n\s*/g, ' '),
  };

  const converted = sections
    .filter((s) => !(s.name === DAEMON && s.file === main?.file))
    .map((section) => serviceOf(section, families, warn));
  if (converted.length === 0) {
    throw new ConfigError([
      {
        file: serviceFiles[0]?.file ?? main?.file ?? '',
        path: 'services',
        message: 'no service section found',
      },
    ]);
  }

  const doc = new Document(
    { speaker, services: converted.map((c) => c.service) },
    { version: '1.2' },
  );
  visit(doc, {
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  const services = doc.get('services', true) as { items: { commentBefore?: string | null }[] };
  converted.forEach((c, index) => {
    const item = services.items[index];
    if (item !== undefined && c.comments.length > 0) item.commentBefore = c.comments.join('\n');
  });
  const header = [
    ' Converted from anycast-healthchecker by bgp-healthcheck convert (see docs/migrating.md).',
    ...(warnings.length > 0
      ? [' Not carried over:', ...warnings.map((w) => `   ${formatWarning(w)}`)]
      : []),
  ];
  doc.commentBefore = header.join('\n');
  return { yaml: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), warnings };
}
