// The reference's command line and config file turned into typed options, and every bad value refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import {
  parseHealthcheckArgs,
  type HealthcheckOptions,
} from '../../src/config/healthcheck-args.js';
import { OPTION_SPECS } from '../../src/config/options.js';

const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
};
const files =
  (contents: Record<string, string>) =>
  (path: string): string => {
    const text = contents[path];
    if (text === undefined) return noFile(path);
    return text;
  };

const parse = (argv: readonly string[], readFile = noFile): HealthcheckOptions =>
  parseHealthcheckArgs(argv, readFile);

function issues(argv: readonly string[], readFile = noFile): ConfigIssue[] {
  try {
    parseHealthcheckArgs(argv, readFile);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error(`accepted: ${JSON.stringify(argv)}`);
}

describe('defaults', () => {
  it("are the reference's", () => {
    const { service, logging, noAck, apiForm } = parse([]);
    expect(service.timing).toMatchObject({
      interval: 5,
      fastInterval: 1,
      timeout: 5,
      rise: 3,
      fall: 3,
      debounce: false,
    });
    expect(service.routes).toMatchObject({
      prefixes: [],
      nextHop: 'self',
      metrics: { UP: 100, DOWN: 1000, DISABLED: 500 },
      increase: 1,
      localPreference: null,
      communities: null,
      pathId: null,
      neighbors: [],
      withdrawOnDown: false,
    });
    expect(service.addresses).toMatchObject({
      setup: true,
      dynamic: false,
      startIp: 0,
      label: null,
      deaggregate: false,
    });
    expect(service.checks).toEqual([]);
    expect(service.disableFile).toBeNull();
    expect(logging).toMatchObject({
      debug: false,
      silent: false,
      syslogFacility: 'daemon',
      name: null,
    });
    expect(noAck).toBe(false);
    expect(apiForm).toBe(4);
  });
});

describe('the command line', () => {
  it('reads every short form', () => {
    const o = parse([
      '-s',
      '-a',
      '-d',
      '-n',
      'web',
      '-p',
      'hc.pid',
      '-i',
      '7',
      '-f',
      '2',
      '-t',
      '3',
      '-c',
      'true',
      '-N',
      '192.0.2.9',
    ]);
    expect(o.logging).toMatchObject({ silent: true, debug: true, name: 'web' });
    expect(o.noAck).toBe(true);
    expect(o.pidFile).toBe('hc.pid');
    expect(o.service.timing).toMatchObject({ interval: 7, fastInterval: 2, timeout: 3 });
    expect(o.service.checks).toEqual([{ kind: 'command', command: 'true' }]);
    expect(o.service.routes.nextHop).toEqual({ kind: 'address', family: 4, text: '192.0.2.9' });
    expect(o.service.name).toBe('web');
  });

  it('reads -sF with and without a facility', () => {
    expect(parse(['-sF', 'LOCAL3']).logging.syslogFacility).toBe('local3');
    expect(parse(['-sF']).logging.syslogFacility).toBe('daemon');
    expect(parse(['--syslog-facility']).logging.syslogFacility).toBe('daemon');
  });

  it('reads -F as the config file', () => {
    const o = parse(['-F', 'hc.conf'], files({ 'hc.conf': 'interval = 9\n' }));
    expect(o.service.timing.interval).toBe(9);
  });

  it('reads --cmd as --command, -i5 and unambiguous prefixes', () => {
    const o = parse(['--cmd', 'exit 0', '-i5', '--fast-int', '0.5', '--loc', '-1']);
    expect(o.service.checks).toEqual([{ kind: 'command', command: 'exit 0' }]);
    expect(o.service.timing).toMatchObject({ interval: 5, fastInterval: 0.5 });
    expect(o.service.routes.localPreference).toBeNull();
  });

  it('reads negative numbers as values', () => {
    const o = parse(['--local-preference', '-1', '--increase', '-2', '--start-ip', '-1']);
    expect(o.service.routes).toMatchObject({ localPreference: null, increase: -2 });
    expect(o.service.addresses.startIp).toBe(-1);
  });

  it('reads float seconds the way float() does', () => {
    expect(parse(['--interval', '.0']).service.timing.interval).toBe(0);
    expect(parse(['--interval', '1e-0']).service.timing.interval).toBe(1);
    expect(parse(['--interval', ' 2 ']).service.timing.interval).toBe(2);
    expect(parse(['--up-metric', '+7']).service.routes.metrics.UP).toBe(7);
  });

  it('turns syslog off with --no-syslog and with --debug, as the reference', () => {
    expect(parse(['--no-syslog']).logging.syslogFacility).toBeNull();
    expect(parse(['--debug', '-sF', 'local0']).logging.syslogFacility).toBeNull();
  });

  it('accepts a bare --syslog-facility beside --no-syslog or --silent, as argparse does', () => {
    expect(parse(['--no-syslog', '--syslog-facility']).logging.syslogFacility).toBeNull();
    expect(parse(['--silent', '-sF']).logging).toMatchObject({
      silent: true,
      syslogFacility: 'daemon',
    });
  });

  it.each([
    [['--silent', '--no-syslog']],
    [['--silent', '--syslog-facility', 'local0']],
    [['--no-syslog', '-sF', 'daemon']],
    [['-sd', '--no-syslog']],
  ])('refuses %j as mutually exclusive', (argv) => {
    const [issue] = issues(argv);
    expect(issue!.message).toMatch(/not allowed with argument/);
  });

  it('keeps the last single value and every repeated one', () => {
    const o = parse([
      '--up-metric',
      '7',
      '--up-metric',
      '8',
      '--ip',
      '198.51.100.1',
      '--ip',
      '198.51.100.2',
      '--execute',
      'a',
      '--execute',
      'b',
    ]);
    expect(o.service.routes.metrics.UP).toBe(8);
    expect(o.service.routes.prefixes.map((p) => p.text)).toEqual([
      '198.51.100.1/32',
      '198.51.100.2/32',
    ]);
    expect(o.service.hooks.any).toEqual(['a', 'b']);
  });

  it('maps the per-state hooks', () => {
    const o = parse([
      '--up-execute',
      'u',
      '--down-execute',
      'd',
      '--disabled-execute',
      'x',
      '--execute',
      'e',
    ]);
    expect(o.service.hooks).toEqual({
      any: ['e'],
      byState: { UP: ['u'], DOWN: ['d'], DISABLED: ['x'] },
    });
  });

  it('reads the flags of the advertising and 5.x options', () => {
    const o = parse([
      '--withdraw-on-down',
      '--no-ip-setup',
      '--dynamic-ip-setup',
      '--deaggregate-networks',
      '--debounce',
      '--label',
      'web',
      '--label-exact-match',
      '--sudo',
      '--api-version',
      '5',
    ]);
    expect(o.service.routes.withdrawOnDown).toBe(true);
    expect(o.service.addresses).toMatchObject({
      setup: false,
      dynamic: true,
      deaggregate: true,
      label: 'web',
      labelExactMatch: true,
      sudo: true,
    });
    expect(o.service.timing.debounce).toBe(true);
    expect(o.apiForm).toBe(5);
  });

  it('reads the listen address and the control socket of the additions', () => {
    expect(parse(['--metrics-listen', '[::1]:9101']).metricsListen).toEqual({
      host: '::1',
      port: 9101,
    });
    expect(parse(['--metrics-l=:9101']).metricsListen).toEqual({ host: '127.0.0.1', port: 9101 });
    expect(parse([]).metricsListen).toBeNull();
    expect(parse(['--ctl-socket', '/run/bgp-healthcheck/web.sock']).ctlSocket).toBe(
      '/run/bgp-healthcheck/web.sock',
    );
    expect(parse(['--ctl-socket']).ctlSocket).toBe('');
  });

  it('refuses a listen address or socket path that could not be bound when parsing, not when listening', () => {
    expect(issues(['--metrics-listen', 'localhost:9101'])).toEqual([
      {
        path: '--metrics-listen',
        message:
          'expected HOST:PORT, [IPV6]:PORT or :PORT with an IP address and a port 0-65535, got "localhost:9101"',
      },
    ]);
    const [issue] = issues(['--ctl-socket', `/run/${'x'.repeat(100)}.sock`]);
    expect(issue).toMatchObject({ path: '--ctl-socket' });
    expect(issue!.message).toMatch(/^control socket path too long/);
  });

  it('names the file and line of a bad listen address in a config file', () => {
    const found = issues(
      ['--config', 'hc.conf'],
      files({ 'hc.conf': 'name = web\nmetrics-listen = *:9101\n' }),
    );
    expect(found).toMatchObject([{ path: '--metrics-listen', file: 'hc.conf', line: 2 }]);
  });

  it('reads the help flag', () => {
    expect(parse(['-h']).help).toBe(true);
    expect(parse(['--help']).help).toBe(true);
  });
});

describe('bad values', () => {
  it.each([
    [['--interval', 'abc'], '--interval'],
    [['--interval', '0x1'], '--interval'],
    [['--interval', '-1'], '--interval'],
    [['--timeout', '1.5'], '--timeout'],
    [['--local-preference=-1.5'], '--local-preference'],
    [['--up-metric', '4294967296'], '--up-metric'],
    [['--ip', '198.51.100.1/24'], '--ip'],
    [['--ip', 'web'], '--ip'],
    [['--next-hop', '192.0.2.300'], '--next-hop'],
    [['--neighbor', 'self'], '--neighbor'],
    [['--neighbor', '**'], '--neighbor'],
    [['--community', '65536:1'], '--community'],
    [['--community', '1:1;announce'], '--community'],
    [['--community', '[ 1:1 ]'], '--community'],
    [['--large-community', '1:2'], '--large-community'],
    [['--extended-community', 'bogus:1:2'], '--extended-community'],
    [['--as-path', '65001,65002'], '--as-path'],
    [['--up-as-path', 'AS1'], '--up-as-path'],
    [['--path-id', '-1'], '--path-id'],
    [['-sF', 'local9'], '--syslog-facility'],
    [['--api-version', '6'], '--api-version'],
    [['--metrics-listen', 'localhost:9101'], '--metrics-listen'],
    [['--metrics-listen', '127.0.0.1:65536'], '--metrics-listen'],
    [['--metrics-listen', '9101'], '--metrics-listen'],
    [['--ctl-socket', `/run/${'x'.repeat(100)}.sock`], '--ctl-socket'],
  ])('refuses %j, naming %s', (argv, option) => {
    const all = issues(argv);
    expect(all.map((i) => i.path)).toContain(option);
    expect(all.every((i) => i.file === undefined)).toBe(true);
  });

  it('reports every bad value at once', () => {
    expect(issues(['--interval', 'x', '--rise', 'y', '--ip', 'z']).map((i) => i.path)).toEqual([
      '--ip',
      '--interval',
      '--rise',
    ]);
  });

  it('refuses the injection the reference passes through to ExaBGP', () => {
    const [issue] = issues([
      '--ip',
      '198.51.100.1',
      '--community',
      '1:1\nannounce route 0.0.0.0/0 next-hop self',
    ]);
    expect(issue!.path).toBe('--community');
  });

  it('refuses argv errors as config errors', () => {
    expect(issues(['--bogus'])[0]).toMatchObject({
      path: 'arguments',
      message: 'unrecognized option: --bogus',
    });
    expect(issues(['--in', '1'])[0]!.message).toMatch(/ambiguous option/);
    expect(issues(['--interval'])[0]!.message).toBe('argument --interval: expected one argument');
  });
});

describe('--ip-ifname', () => {
  it('binds a given --ip to an interface, keyed by its CIDR text', () => {
    const o = parse([
      '--ip-ifname',
      '198.51.100.1%eth0.10',
      '--ip',
      '198.51.100.1',
      '--ip',
      '2001:db8::1',
      '--ip-ifname',
      '2001:DB8::1/128%dummy_0',
    ]);
    expect(o.service.addresses.ifnames).toEqual({
      '198.51.100.1/32': 'eth0.10',
      '2001:db8::1/128': 'dummy_0',
    });
  });

  it.each([
    [['--ip-ifname', '198.51.100.1%eth0'], /no --ip/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1'], /IP%IFNAME/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1%a%b'], /IP%IFNAME/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1%'], /interface name/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1%abcdefghijklmnop'], /interface name/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1%eth0;reboot'], /interface name/],
    [['--ip', '198.51.100.1', '--ip-ifname', '198.51.100.1%eth 0'], /interface name/],
    [['--ip', '198.51.100.1', '--ip-ifname', 'web%eth0'], /not an IP address/],
  ])('refuses %j', (argv, message) => {
    const [issue] = issues(argv);
    expect(issue!.path).toBe('--ip-ifname');
    expect(issue!.message).toMatch(message);
  });
});

describe('the config file', () => {
  const conf = [
    '# watch haproxy',
    '',
    'debug',
    'name = haproxy',
    '  interval=10  ',
    'command = curl -sf http://127.0.0.1/healthcheck?a=b',
    'ip = 198.51.100.1',
    'execute = logger file',
    'community = 65000:1',
  ].join('\n');

  it('reads one option per line, the command keeping its own =', () => {
    const o = parse(['--config', 'hc.conf'], files({ 'hc.conf': conf }));
    expect(o.logging).toMatchObject({ debug: true, name: 'haproxy' });
    expect(o.service.timing.interval).toBe(10);
    expect(o.service.checks).toEqual([
      { kind: 'command', command: 'curl -sf http://127.0.0.1/healthcheck?a=b' },
    ]);
    expect(o.service.routes.prefixes.map((p) => p.text)).toEqual(['198.51.100.1/32']);
  });

  it('lets the command line override single values and add to repeated ones', () => {
    const o = parse(
      [
        '--ip',
        '198.51.100.2',
        '--interval',
        '3',
        '--config=hc.conf',
        '--execute',
        'logger argv',
        '--community',
        '65000:2',
      ],
      files({ 'hc.conf': conf }),
    );
    expect(o.service.timing.interval).toBe(3);
    expect(o.service.routes.communities).toEqual(['65000:2']);
    expect(o.service.routes.prefixes.map((p) => p.text)).toEqual([
      '198.51.100.1/32',
      '198.51.100.2/32',
    ]);
    expect(o.service.hooks.any).toEqual(['logger file', 'logger argv']);
  });

  it('names the file and line of a bad value', () => {
    const text = 'debug\n# comment\ninterval = soon\nip = 198.51.100.1\n';
    const found = issues(['-F', 'hc.conf'], files({ 'hc.conf': text }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: '--interval', file: 'hc.conf', line: 3 });
    expect(found[0]!.message).toMatch(/soon/);
  });

  it('names the file and line of an unknown option or a line without =', () => {
    expect(
      issues(['-F', 'hc.conf'], files({ 'hc.conf': 'debug\n\nbogus = 1\n' }))[0],
    ).toMatchObject({ file: 'hc.conf', line: 3 });
    expect(issues(['-F', 'hc.conf'], files({ 'hc.conf': 'ip 198.51.100.1\n' }))[0]).toMatchObject({
      file: 'hc.conf',
      line: 1,
    });
  });

  it('refuses an empty value after =', () => {
    expect(issues(['-F', 'hc.conf'], files({ 'hc.conf': 'interval =\n' }))[0]).toMatchObject({
      path: '--interval',
      file: 'hc.conf',
      line: 1,
    });
  });

  it('applies the exclusive group across file and command line', () => {
    expect(
      issues(['-F', 'hc.conf', '--no-syslog'], files({ 'hc.conf': 'silent\n' }))[0]!.message,
    ).toMatch(/not allowed with/);
  });

  it('reads CRLF line endings', () => {
    const o = parse(['-F', 'hc.conf'], files({ 'hc.conf': 'interval = 4\r\nrise = 2\r\n' }));
    expect(o.service.timing).toMatchObject({ interval: 4, rise: 2 });
  });

  it('reports a file it cannot read as a config error naming --config', () => {
    const [issue] = issues(['--config', 'missing.conf']);
    expect(issue!.path).toBe('--config');
    expect(issue!.message).toMatch(/missing\.conf.*ENOENT/);
  });

  it('reads -sFlocal0 as -s -F local0, so a missing file local0 is reported', () => {
    expect(issues(['-sFlocal0'])[0]!.message).toMatch(/'local0'/);
  });

  it('leaves a YAML file to the structured loader', () => {
    const o = parse(['--config', 'services.yaml']);
    expect(o.servicesFile).toBe('services.yaml');
  });
});

describe('properties', () => {
  const SAMPLES: Record<string, string> = {
    syslogFacility: 'local0',
    name: 'web',
    config: 'hc.conf',
    pid: 'hc.pid',
    user: 'nobody',
    group: 'nogroup',
    interval: '5',
    fastInterval: '1',
    timeout: '5',
    rise: '3',
    fall: '3',
    disable: 'down.flag',
    command: 'true',
    nextHop: '192.0.2.1',
    ip: '198.51.100.1',
    ipIfname: '198.51.100.1%eth0',
    localPreference: '100',
    label: 'web',
    startIp: '0',
    upMetric: '100',
    downMetric: '1000',
    disabledMetric: '500',
    increase: '1',
    community: '65000:1',
    extendedCommunity: 'target:65000:1',
    largeCommunity: '1:2:3',
    disabledCommunity: '65000:2',
    asPath: '65001',
    upAsPath: '65001',
    downAsPath: '65001',
    disabledAsPath: '65001',
    pathId: '1',
    neighbor: '192.0.2.7',
    execute: 'true',
    upExecute: 'true',
    downExecute: 'true',
    disabledExecute: 'true',
    apiVersion: '5',
    ackTimeout: '1',
    metricsListen: '127.0.0.1:9101',
    ctlSocket: '/run/bgp-healthcheck/web.sock',
    maintenanceFile: '/var/lib/bgp-healthcheck/web.maintenance.json',
    drainTime: '30',
  };
  const valued = OPTION_SPECS.filter((s) => s.kind !== 'flag');

  it('has a valid sample for the options it knows', () => {
    for (const spec of valued) {
      const sample = SAMPLES[spec.dest];
      if (sample === undefined) continue;
      expect(
        () => parse(['--ip', '198.51.100.1', spec.long[0]!, sample], files({ 'hc.conf': '' })),
        spec.dest,
      ).not.toThrow();
    }
  });

  it('refuses any option value holding a line break, as a ConfigError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...valued),
        fc.constantFrom('\n', '\r', '\r\n'),
        fc.nat(),
        fc.boolean(),
        (spec, br, at, withEquals) => {
          const sample = SAMPLES[spec.dest] ?? 'x';
          const i = at % (sample.length + 1);
          const value = sample.slice(0, i) + br + sample.slice(i);
          const option = spec.long[0]!;
          const argv = [
            '--ip',
            '198.51.100.1',
            ...(withEquals ? [`${option}=${value}`] : [option, value]),
          ];
          expect(() => parseHealthcheckArgs(argv, files({ 'hc.conf': '' }))).toThrow(ConfigError);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but ConfigError for any argv', () => {
    const spellings = OPTION_SPECS.flatMap((s) => [...s.long, ...s.short]);
    const token = fc.oneof(
      fc.constantFrom(...spellings),
      fc
        .constantFrom(...spellings)
        .chain((s) => fc.string({ maxLength: 8 }).map((v) => `${s}=${v}`)),
      fc.constantFrom(...spellings).map((s) => s.slice(0, Math.max(3, s.length - 3))),
      fc.constantFrom(
        '--',
        '-',
        '-1',
        '-.5',
        '0',
        '198.51.100.1',
        '65000:1',
        'hc.conf',
        'x y',
        '-x y',
        '',
      ),
      fc.string({ maxLength: 10 }),
    );
    const fileText = fc.array(
      fc.oneof(
        fc.constantFrom('debug', 'interval = 1', 'ip = 198.51.100.1', '# c', '', '=', 'x y', '=='),
        fc.string({ maxLength: 12 }),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 10 }), fileText, (argv, lines) => {
        try {
          parseHealthcheckArgs(argv, files({ 'hc.conf': lines.join('\n') }));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
