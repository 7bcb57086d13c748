// The healthcheck process's start: the final prefix list, and bad listen settings refused before any output.
import { VERSION } from '../../src/cli/version.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_USAGE, finalPrefixes } from '../../src/cli/run-healthcheck.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseHealthcheckArgs } from '../../src/config/healthcheck-args.js';
import { parseIpPrefix } from '../../src/core/ip.js';
import { SUBCOMMAND_NAMES } from '../../src/cli/main.js';
import { REPO_ROOT, runHealthcheck } from '../support/healthcheck-process.js';
import { startTcpServer } from '../support/servers.js';

const noFile = (path: string): string => {
  throw new Error(`no file ${path}`);
};
const serviceOf = (...argv: string[]) => parseHealthcheckArgs(argv, noFile).service;
const prefixes = (...texts: string[]) => texts.map(parseIpPrefix);

function refusal(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('accepted');
}

describe('finalPrefixes', () => {
  it('refuses addresses found at start that push a MED out of range, naming each metric option', () => {
    const service = serviceOf('--increase', '-60', '--disabled-metric', '50');
    const error = refusal(() =>
      finalPrefixes(service, prefixes('198.51.100.1', '198.51.100.2', '198.51.100.3')),
    );
    expect(error.issues).toEqual([
      {
        path: '--up-metric',
        message:
          'with increase -60 over 3 prefixes the UP metric reaches -20, outside 0 to 4294967295',
      },
      {
        path: '--disabled-metric',
        message:
          'with increase -60 over 3 prefixes the DISABLED metric reaches -70, outside 0 to 4294967295',
      },
    ]);
  });

  it('accepts a MED that reaches 0 or 4294967295 exactly', () => {
    const down = serviceOf('--up-metric', '2', '--down-metric', '4294967293', '--increase', '1');
    expect(
      finalPrefixes(down, prefixes('198.51.100.1', '198.51.100.2', '198.51.100.3')),
    ).toHaveLength(3);
    const up = serviceOf('--up-metric', '2', '--increase', '-1', '--down-metric', '2');
    expect(() =>
      finalPrefixes(up, prefixes('198.51.100.1', '198.51.100.2', '198.51.100.3')),
    ).not.toThrow();
  });

  it('counts the prefixes after deaggregation and rotation', () => {
    const service = serviceOf(
      '--deaggregate-networks',
      '--start-ip',
      '1',
      '--up-metric',
      '4294967293',
    );
    const error = refusal(() => finalPrefixes(service, prefixes('198.51.100.16/30')));
    expect(error.issues[0]!.message).toContain('over 4 prefixes the UP metric reaches 4294967296');
    const fits = serviceOf('--deaggregate-networks', '--start-ip', '1');
    expect(finalPrefixes(fits, prefixes('198.51.100.16/30')).map((p) => p.text)).toEqual([
      '198.51.100.17/32',
      '198.51.100.18/32',
      '198.51.100.19/32',
      '198.51.100.16/32',
    ]);
  });
});

describe('bgp-healthcheck with a bad listen setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bhc-listen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = ['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--interval', '0'];

  async function run(args: string[]) {
    if (!existsSync(join(REPO_ROOT, 'dist/bundle/main.js')))
      throw new Error('dist/bundle is missing: run npm run build');
    return runHealthcheck({ impl: 'ours', args });
  }

  it.each([
    [['--metrics-listen', 'localhost:9101'], '--metrics-listen: expected HOST:PORT'],
    [['--metrics-listen', '127.0.0.1:70000'], '--metrics-listen: expected HOST:PORT'],
    [
      ['--ctl-socket', `/run/${'x'.repeat(100)}.sock`],
      '--ctl-socket: control socket path too long',
    ],
  ])('refuses %j with exit status 2 and writes nothing on stdout', async (extra, message) => {
    const outcome = await run([...base, ...extra]);
    expect(outcome.code).toBe(EXIT_USAGE);
    expect(outcome.lines).toEqual([]);
    expect(outcome.stderr).toContain(`bgp-healthcheck: error: ${message}`);
  });

  it('refuses the same address in a YAML file, naming its path and line', async () => {
    const file = join(dir, 'services.yaml');
    writeFileSync(
      file,
      'services:\n  - name: web\n    routes: {prefixes: [198.51.100.1], ip-setup: false}\n    timing: {interval: 0}\nmetrics: {listen: "localhost:9101"}\n',
    );
    const outcome = await run(['--no-syslog', '--config', file]);
    expect(outcome.code).toBe(EXIT_USAGE);
    expect(outcome.lines).toEqual([]);
    expect(outcome.stderr).toContain(`${file}:5: metrics.listen: expected HOST:PORT`);
  });
});

describe('bgp-healthcheck with a bad --name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bhc-name-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = ['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--interval', '0'];
  const bad = [
    ['empty', ''],
    ['C0 (ESC)', 'web\u001b[2J'],
    ['DEL', 'web\u007f'],
    ['C1 (CSI)', 'web\u009b'],
    ['NEL', 'web\u0085down'],
    ['LINE SEPARATOR', 'web\u2028down'],
    ['PARAGRAPH SEPARATOR', 'web\u2029down'],
  ];

  it.each(bad)(
    'refuses a name with %s on the command line: exit 2, nothing on stdout',
    async (_what, name) => {
      const outcome = await runHealthcheck({ impl: 'ours', args: [...base, '--name', name] });
      expect(outcome.code).toBe(EXIT_USAGE);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr).toContain('bgp-healthcheck: error: --name: expected a name of 1 to');
    },
  );

  it.each(bad.filter(([what]) => what !== 'empty'))(
    'refuses a name with %s in a line-format file, naming the file and line',
    async (what, name) => {
      const file = join(dir, `${what.replace(/\W/g, '_')}.conf`);
      writeFileSync(file, `no-syslog\nname = ${name}\nip = 198.51.100.1\n`);
      const outcome = await runHealthcheck({
        impl: 'ours',
        args: ['--config', file, '--no-ip-setup', '--interval', '0'],
      });
      expect(outcome.code).toBe(EXIT_USAGE);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr).toContain(`${file}:2: --name: expected a name of 1 to`);
    },
  );

  it('refuses an empty name in a line-format file', async () => {
    const file = join(dir, 'empty.conf');
    writeFileSync(file, 'name =\n');
    const outcome = await runHealthcheck({ impl: 'ours', args: ['--config', file, ...base] });
    expect(outcome.code).toBe(EXIT_USAGE);
    expect(outcome.lines).toEqual([]);
    expect(outcome.stderr).toContain(`${file}:1: --name: expected a name of 1 to`);
  });

  it('accepts a name with letters beyond ASCII', async () => {
    const outcome = await runHealthcheck({ impl: 'ours', args: [...base, '--name', 'café'] });
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual(['announce route 198.51.100.1/32 next-hop self med 100']);
  });
});

describe('bgp-healthcheck messages that teach', () => {
  it('prints its version and exits 0', async () => {
    const outcome = await runHealthcheck({ impl: 'ours', args: ['--version'] });
    expect(outcome.code).toBe(0);
    expect(outcome.lines).toEqual([`bgp-healthcheck ${VERSION}`]);
  });

  it.each([
    [['--intervall', '5'], 'unrecognized option: --intervall; did you mean --interval?'],
    [['chek-config', 'x.yaml'], "unknown command 'chek-config'; did you mean 'check-config'?"],
    [['nagois'], "unknown command 'nagois'; did you mean 'nagios'?"],
  ])(
    'suggests the nearest name for %j, with exit status 2 and nothing on stdout',
    async (args, message) => {
      const outcome = await runHealthcheck({ impl: 'ours', args });
      expect(outcome.code).toBe(EXIT_USAGE);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr).toContain(message);
    },
  );

  it.each(['', ...SUBCOMMAND_NAMES].flatMap((sub) => [`${sub} --help`, `${sub} -h`]))(
    'prints the help of "%s" on stdout and exits 0',
    async (command) => {
      const outcome = await runHealthcheck({ impl: 'ours', args: command.trim().split(' ') });
      expect(outcome.code).toBe(0);
      expect(outcome.stderr).toBe('');
      const sub = command.trim().split(' ').length > 1 ? ` ${command.trim().split(' ')[0]}` : '';
      expect(outcome.lines[0]).toMatch(new RegExp(`^usage: bgp-healthcheck${sub} `));
    },
  );

  it('says in words what a duration on the command line may be', async () => {
    const outcome = await runHealthcheck({
      impl: 'ours',
      args: ['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--interval', '5sec'],
    });
    expect(outcome.code).toBe(EXIT_USAGE);
    expect(outcome.lines).toEqual([]);
    expect(outcome.stderr).toBe(
      'bgp-healthcheck: error: --interval: "5sec": use a number of seconds, such as 5 or 0.5\n',
    );
  });

  it('says in words what a duration in a YAML file may be, and puts an IPv6 URL in brackets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bhc-words-'));
    try {
      const file = join(dir, 'services.yaml');
      writeFileSync(
        file,
        [
          'services:',
          '  - name: web',
          '    routes: {prefixes: [198.51.100.1], ip-setup: false}',
          '    timing: {interval: 5sec, timeout: -1}',
          '    checks: [{type: http, url: "http://2001:db8::1/health"}]',
          '',
        ].join('\n'),
      );
      const outcome = await runHealthcheck({
        impl: 'ours',
        args: ['--no-syslog', '--config', file],
      });
      expect(outcome.code).toBe(EXIT_USAGE);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr.split('\n')).toEqual([
        `bgp-healthcheck: error: ${file}:4: services[0].timing.interval: "5sec": use a number of seconds or 500ms, 5s, 2m, 1h`,
        `bgp-healthcheck: error: ${file}:4: services[0].timing.timeout: -1: use a number of seconds or 500ms, 5s, 2m, 1h`,
        `bgp-healthcheck: error: ${file}:5: services[0].checks[0].url: 'http://2001:db8::1/health' is not a URL: an IPv6 address goes in brackets, as in http://[2001:db8::1]/health (a port after them: [2001:db8::1]:8080)`,
        '',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns of a timeout longer than the interval and a next-hop of the other family, and runs on', async () => {
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [
          ...['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--cmd', 'true'],
          ...['--interval', '1', '--timeout', '2', '--next-hop', '2001:db8::1'],
        ],
      },
      { onLine: (_line, _index, proc) => void proc.kill('SIGTERM') },
    );
    const outcome = await run;
    expect(outcome.code).toBe(0);
    expect(outcome.lines[0]).toBe('announce route 198.51.100.1/32 next-hop 2001:db8::1 med 100');
    // Through the log, once: its format, and stderr since syslog is off.
    const warnings = outcome.stderr
      .split('\n')
      .filter((l) => l.includes('WARNING'))
      .map((l) => l.replace(/^\S+Z /, ''));
    expect(warnings).toEqual([
      'WARNING[healthcheck] --timeout: the timeout (2 s) is longer than the interval (1 s): a slow check runs into the time of the next one',
      'WARNING[healthcheck] --next-hop: next-hop 2001:db8::1 is IPv6 but 198.51.100.1/32 is IPv4: a peer accepts that only with the extended next-hop capability (RFC 8950)',
    ]);
  });

  it('says a failure to start once, though its log goes to stderr too', async () => {
    const busy = await startTcpServer(() => {});
    try {
      const outcome = await runHealthcheck({
        impl: 'ours',
        args: [
          ...['--no-syslog', '--no-ip-setup', '--ip', '198.51.100.1', '--interval', '0'],
          ...['--metrics-listen', `127.0.0.1:${busy.port}`],
        ],
      });
      expect(outcome.code).toBe(1);
      expect(outcome.lines).toEqual([]);
      expect(outcome.stderr.match(/cannot start/g)).toEqual(['cannot start']);
      expect(outcome.stderr).toContain('the address is in use');
    } finally {
      await busy.close();
    }
  });
});
