// The argparse rules of the reference's command line, checked against what its argparse accepts and refuses.
import { describe, expect, it } from 'vitest';
import {
  ArgvError,
  argvTokens,
  checkExclusive,
  configFileTokens,
  describeOrigin,
  tokenize,
  type Occurrence,
} from '../../src/config/argv.js';

const parse = (...argv: string[]): Occurrence[] => {
  const occurrences = tokenize(argvTokens(argv));
  checkExclusive(occurrences);
  return occurrences;
};
const pairs = (...argv: string[]): [string, string | null][] =>
  parse(...argv).map((o) => [o.spec.dest, o.value]);
const failure = (...argv: string[]): string => {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(ArgvError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${argv.join(' ')}`);
};

// Every expectation matches `python3 -m exabgp healthcheck` run with the same arguments: accepted
// (exit 0) or refused with argparse's error (exit 2).
describe('tokenize: long options', () => {
  it('reads --opt value and --opt=value alike, keeping later = in the value', () => {
    expect(
      pairs('--interval', '3', '--fast-interval=2', '--command=curl -sf http://x/?a=b'),
    ).toEqual([
      ['interval', '3'],
      ['fastInterval', '2'],
      ['command', 'curl -sf http://x/?a=b'],
    ]);
  });

  it('reads --cmd as --command', () => {
    expect(pairs('--cmd', 'false')).toEqual([['command', 'false']]);
  });

  it('accepts unambiguous prefixes', () => {
    expect(pairs('--inter', '0', '--up-m', '5', '--debu', '--no-a')).toEqual([
      ['interval', '0'],
      ['upMetric', '5'],
      ['debug', null],
      ['noAck', null],
    ]);
  });

  it.each([
    ['--in', '--interval, --increase'],
    ['--co', '--config, --command'],
    ['--no', '--no-syslog, --no-ack'],
    ['--up', '--up-metric, --up-as-path'],
    ['--de', '--debug, --deaggregate-networks'],
    ['--d', '--debug, --disable, --deaggregate-networks, --dynamic-ip-setup, --down-metric'],
    ['--i', '--interval, --ip, --increase'],
  ])('refuses the ambiguous prefix %s, naming the candidates', (prefix, some) => {
    const message = failure(prefix, '0');
    expect(message).toMatch(new RegExp(`^ambiguous option: ${prefix} could match`));
    for (const name of some.split(', ')) expect(message).toContain(name);
  });

  // The reference has none of the added options, so these prefixes name one 4.2 option there.
  it.each([
    [['--deb'], 'debug', null],
    [['--a', '65000 65001'], 'asPath', '65000 65001'],
    [['--a=65000'], 'asPath', '65000'],
    [['--lab', 'web'], 'label', 'web'],
  ])('reads %j as in 4.2, though options added since share the prefix', (argv, dest, value) => {
    expect(pairs(...argv)).toEqual([[dest, value]]);
  });

  it('reads 4.2 prefixes the same way in a config file', () => {
    const occurrences = tokenize(configFileTokens('deb\na = 65000', 'hc.conf'));
    expect(occurrences.map((o) => [o.spec.dest, o.value])).toEqual([
      ['debug', null],
      ['asPath', '65000'],
    ]);
  });

  it('reads a prefix of an added option alone, and refuses one shared by added options only', () => {
    expect(pairs('--debo', '--ac', '2', '--label-e')).toEqual([
      ['debounce', null],
      ['ackTimeout', '2'],
      ['labelExactMatch', null],
    ]);
    // Unrecognized by the reference, which has neither.
    expect(failure('--m', 'x')).toBe(
      'ambiguous option: --m could match --metrics-listen, --maintenance-file',
    );
  });

  it('refuses unknown options and stray arguments', () => {
    expect(failure('--bogus')).toBe('unrecognized option: --bogus');
    expect(failure('extra')).toBe('unrecognized arguments: extra');
    expect(failure('-i', '0', '--', 'extra')).toBe('unrecognized arguments: -- extra');
  });

  it('refuses a bare -- as argparse does when no positional argument exists', () => {
    expect(failure('--no-syslog', '--')).toBe('unrecognized arguments: --');
  });

  it('refuses a value given to a flag', () => {
    expect(failure('--debug=1')).toBe("argument --debug: ignored explicit argument '1'");
    expect(failure('-d=1')).toMatch(/ignored explicit argument '1'/);
  });

  it('refuses an option that needs a value and has none', () => {
    expect(failure('--interval')).toBe('argument --interval: expected one argument');
    expect(failure('--command', '-x')).toBe('argument --command: expected one argument');
    expect(failure('--local-preference', '-x')).toBe(
      'argument --local-preference: expected one argument',
    );
  });

  it('takes negative numbers as values', () => {
    expect(
      pairs('--local-preference', '-1', '--increase', '-5', '--start-ip=-2', '--interval', '-.5'),
    ).toEqual([
      ['localPreference', '-1'],
      ['increase', '-5'],
      ['startIp', '-2'],
      ['interval', '-.5'],
    ]);
  });

  it('takes a value that starts with - and holds a space, as argparse does', () => {
    expect(pairs('--command', '-x y')).toEqual([['command', '-x y']]);
    expect(pairs('--command=-x')).toEqual([['command', '-x']]);
  });

  it('keeps every occurrence in order, so the last single value wins and lists accumulate', () => {
    expect(pairs('--up-metric', '7', '--ip', 'a', '--up-metric', '8', '--ip', 'b')).toEqual([
      ['upMetric', '7'],
      ['ip', 'a'],
      ['upMetric', '8'],
      ['ip', 'b'],
    ]);
  });
});

describe('tokenize: short options', () => {
  it.each([
    ['-s', 'silent', null],
    ['-a', 'noAck', null],
    ['-d', 'debug', null],
    ['-h', 'help', null],
  ])('reads the flag %s', (flag, dest, value) => {
    expect(pairs(flag)).toEqual([[dest, value]]);
  });

  it.each([
    ['-n', 'name', 'web'],
    ['-F', 'config', 'hc.conf'],
    ['-p', 'pid', 'hc.pid'],
    ['-i', 'interval', '5'],
    ['-f', 'fastInterval', '1'],
    ['-t', 'timeout', '2'],
    ['-c', 'command', 'true'],
    ['-N', 'nextHop', '192.0.2.9'],
    ['-sF', 'syslogFacility', 'local0'],
  ])('reads %s with its value apart, attached and after =', (short, dest, value) => {
    expect(pairs(short, value)).toEqual([[dest, value]]);
    expect(pairs(`${short}=${value}`)).toEqual([[dest, value]]);
    if (short !== '-sF') expect(pairs(`${short}${value}`)).toEqual([[dest, value]]);
  });

  it('reads -sF alone as the daemon facility', () => {
    expect(pairs('-sF')).toEqual([['syslogFacility', 'daemon']]);
    expect(pairs('--syslog-facility', '--debug')).toEqual([
      ['syslogFacility', 'daemon'],
      ['debug', null],
    ]);
  });

  it('reads -sFlocal0 as -s then -F local0, as argparse does', () => {
    expect(pairs('-sFlocal0')).toEqual([
      ['silent', null],
      ['config', 'local0'],
    ]);
  });

  it('combines short flags, and a flag with a valued option', () => {
    expect(pairs('-sd')).toEqual([
      ['silent', null],
      ['debug', null],
    ]);
    expect(pairs('-ds')).toEqual([
      ['debug', null],
      ['silent', null],
    ]);
    expect(pairs('-ad')).toEqual([
      ['noAck', null],
      ['debug', null],
    ]);
    expect(pairs('-dnfoo')).toEqual([
      ['debug', null],
      ['name', 'foo'],
    ]);
    expect(pairs('-dn', 'foo')).toEqual([
      ['debug', null],
      ['name', 'foo'],
    ]);
    expect(pairs('-di0')).toEqual([
      ['debug', null],
      ['interval', '0'],
    ]);
  });

  it('reads -i0d as interval "0d" (refused later as a number)', () => {
    expect(pairs('-i0d')).toEqual([['interval', '0d']]);
  });

  it('refuses an unknown short option', () => {
    expect(failure('-z')).toBe('unrecognized option: -z');
    expect(failure('-dz')).toMatch(/ignored explicit argument 'z'/);
  });
});

describe('checkExclusive', () => {
  it.each([
    [['-s', '--no-syslog'], 'argument --no-syslog: not allowed with argument --silent'],
    [
      ['--silent', '--syslog-facility', 'local0'],
      'argument --syslog-facility: not allowed with argument --silent',
    ],
    [
      ['--syslog-facility', 'local0', '--no-syslog'],
      'argument --no-syslog: not allowed with argument --syslog-facility',
    ],
    [
      ['--no-syslog', '--syslog-facility', 'daemon'],
      'argument --syslog-facility: not allowed with argument --no-syslog',
    ],
    [['--no-syslog', '-sd'], 'argument --silent: not allowed with argument --no-syslog'],
  ])('refuses %j', (argv, message) => {
    expect(failure(...argv)).toBe(message);
  });

  it('allows an option of the group twice', () => {
    expect(pairs('--silent', '--silent')).toHaveLength(2);
  });

  // argparse counts an option as given only when its value is not the default object; a bare
  // --syslog-facility takes the const 'daemon', the very object of its default, so the reference
  // accepts it next to --silent or --no-syslog.
  it('accepts a bare --syslog-facility next to --silent or --no-syslog, as the reference', () => {
    expect(pairs('--silent', '--syslog-facility')).toHaveLength(2);
    expect(pairs('--no-syslog', '--syslog-facility')).toHaveLength(2);
    expect(pairs('-sF', '-s')).toHaveLength(2);
  });
});

describe('configFileTokens', () => {
  it('makes --LINE tokens, split at the first =, both halves trimmed, skipping comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      '   ',
      '  # an indented comment',
      'debug',
      'name = haproxy',
      '  interval=10  ',
      'command = curl -sf http://127.0.0.1/?a=b#frag',
      'ip = 198.51.100.1\r',
    ].join('\n');
    expect(
      configFileTokens(text, 'hc.conf').map((t) => [t.text, describeOrigin(t.origin)]),
    ).toEqual([
      ['--debug', 'hc.conf, line 5'],
      ['--name', 'hc.conf, line 6'],
      ['haproxy', 'hc.conf, line 6'],
      ['--interval', 'hc.conf, line 7'],
      ['10', 'hc.conf, line 7'],
      ['--command', 'hc.conf, line 8'],
      ['curl -sf http://127.0.0.1/?a=b#frag', 'hc.conf, line 8'],
      ['--ip', 'hc.conf, line 9'],
      ['198.51.100.1', 'hc.conf, line 9'],
    ]);
  });

  it('keeps an empty value after =, so the option is refused later rather than eating the next line', () => {
    const occurrences = tokenize(configFileTokens('interval =\ndebug', 'hc.conf'));
    expect(occurrences.map((o) => [o.spec.dest, o.value])).toEqual([
      ['interval', ''],
      ['debug', null],
    ]);
  });

  it('refuses a line with a space instead of =, naming the file and line', () => {
    try {
      tokenize(configFileTokens('debug\nip 198.51.100.1', 'hc.conf'));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ArgvError);
      expect((error as ArgvError).message).toBe('unrecognized arguments: --ip 198.51.100.1');
      expect(describeOrigin((error as ArgvError).origin)).toBe('hc.conf, line 2');
    }
  });

  it('marks command-line tokens as such', () => {
    expect(describeOrigin(argvTokens(['-d'])[0]!.origin)).toBe('command line');
  });
});
