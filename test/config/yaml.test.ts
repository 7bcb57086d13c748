import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../../src/config/defaults.js';
import { formatPath, loadYamlConfig, type LoadResult } from '../../src/config/yaml.js';
import type { Service } from '../../src/core/service.js';
import { routePolicy } from '../support/route-policy.js';

function services(result: LoadResult): Service[] {
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${JSON.stringify(result.issues, null, 2)}`);
  return result.config.services;
}

function issues(result: LoadResult) {
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.issues;
}

const one = (body: string) => `services:\n  - name: web\n${body}`;

describe('loadYamlConfig', () => {
  it('gives a minimal service the reference defaults, except that it announces on change', () => {
    const [service] = services(loadYamlConfig('services:\n  - name: web\n', 'c.yaml'));
    expect(service).toEqual({
      name: 'web',
      timing: { ...DEFAULT_TIMING, debounce: true },
      disableFile: null,
      disableMode: 'maintenance',
      checks: [],
      policy: { kind: 'all' },
      hooks: { any: [], byState: { UP: [], DOWN: [], DISABLED: [] } },
      addresses: {
        label: null,
        labelExactMatch: false,
        setup: true,
        dynamic: false,
        sudo: false,
        ifnames: {},
        deaggregate: false,
        startIp: 0,
      },
      routes: routePolicy([]),
    });
  });

  it('parses route attributes into core values', () => {
    const [service] = services(
      loadYamlConfig(
        one(`    routes:
      prefixes: [198.51.100.10/32, "2001:DB8::10"]
      next-hop: 192.0.2.10
      community: "65001:100 no-export"
      disabled-community: [65001:200, 65535:0]
      extended-community: target:65001:1
      large-community: [65001:1:2]
      as-path: [65001, 65001]
      down-as-path: "65001 65001 65001"
      local-preference: 200
      path-id: 7
      neighbors: [192.0.2.1, "2001:db8::1"]
      withdraw-on-down: true
      up-metric: 10
      increase: 5
`),
        'c.yaml',
      ),
    );
    const r = service!.routes;
    expect(r.prefixes.map((p) => p.text)).toEqual(['198.51.100.10/32', '2001:db8::10/128']);
    expect(r.nextHop).toEqual({ kind: 'address', family: 4, text: '192.0.2.10' });
    expect(r.communities).toEqual(['65001:100', 'no-export']);
    expect(r.disabledCommunities).toEqual(['65001:200', '65535:0']);
    expect(r.extendedCommunities).toEqual(['target:65001:1']);
    expect(r.largeCommunities).toEqual(['65001:1:2']);
    expect(r.asPath).toEqual([65001, 65001]);
    expect(r.stateAsPaths).toEqual({ DOWN: [65001, 65001, 65001] });
    expect(r.localPreference).toBe(200);
    expect(r.pathId).toBe(7);
    expect(r.neighbors.map((n) => n.text)).toEqual(['192.0.2.1', '2001:db8::1']);
    expect(r.withdrawOnDown).toBe(true);
    expect(r.metrics).toEqual({ UP: 10, DOWN: 1000, DISABLED: 500 });
    expect(r.increase).toBe(5);
  });

  it("reads neighbors: ['*'] as every neighbor, as ExaBGP 5's healthcheck does", () => {
    const [service] = services(
      loadYamlConfig(
        one(`    routes:
      prefixes: [198.51.100.10/32]
      neighbors: ['*']
`),
        'c.yaml',
      ),
    );
    expect(service!.routes.neighbors).toEqual([]);
  });

  it('reads durations as seconds from numbers and from strings with units', () => {
    const [service] = services(
      loadYamlConfig(
        one(`    timing: {interval: 2s, fast-interval: 500ms, timeout: 1.5, min-state-time: 1m, jitter: 0.25, rise: 1, fall: 5, debounce: true}
    drain: 1h
`),
        'c.yaml',
      ),
    );
    expect(service!.timing).toEqual({
      interval: 2,
      fastInterval: 0.5,
      timeout: 1.5,
      rise: 1,
      fall: 5,
      debounce: true,
      minStateTime: 60,
      jitter: 0.25,
    });
    expect(service!.drain).toBe(3600);
  });

  it('starts every service from the defaults block and lets each override it', () => {
    const result = loadYamlConfig(
      `defaults:
  timing: {interval: 30s, rise: 1}
services:
  - name: a
  - name: b
    timing: {rise: 4}
`,
      'c.yaml',
    );
    const [a, b] = services(result);
    expect(a!.timing).toMatchObject({ interval: 30, rise: 1, fall: 3 });
    expect(b!.timing).toMatchObject({ interval: 30, rise: 4 });
  });

  it('builds every kind of check with its defaults', () => {
    const [service] = services(
      loadYamlConfig(
        one(`    checks:
      - type: command
        command: "curl -sf http://127.0.0.1/health"
        timeout: 2s
      - type: http
        url: https://127.0.0.1:8443/health
        headers: {Host: www.example.com}
        expect-status: [200, "300-302"]
        body-matches: "^ok"
        tls-verify: false
        weight: 3
        name: web
      - type: tcp
        port: 6379
        send: "PING\\r\\n"
        expect: "+PONG"
      - type: dns
        name: example.com
        query-type: SOA
    policy: {weighted: 2}
`),
        'c.yaml',
      ),
    );
    expect(service!.checks).toEqual([
      { kind: 'command', command: 'curl -sf http://127.0.0.1/health', timeout: 2 },
      {
        kind: 'http',
        url: 'https://127.0.0.1:8443/health',
        method: 'GET',
        headers: { Host: 'www.example.com' },
        expectStatus: [
          [200, 200],
          [300, 302],
        ],
        bodyMatches: '^ok',
        tlsVerify: false,
        followRedirects: false,
        keepAlive: true,
        weight: 3,
        name: 'web',
      },
      { kind: 'tcp', host: '127.0.0.1', port: 6379, send: 'PING\r\n', expect: '+PONG' },
      {
        kind: 'dns',
        server: '127.0.0.1',
        port: 53,
        name: 'example.com',
        type: 'SOA',
        expectRcode: 'NOERROR',
      },
    ]);
    expect(service!.policy).toEqual({ kind: 'weighted', threshold: 2 });
  });

  it('accepts only 200-299 from an HTTP check that names no status', () => {
    const [service] = services(
      loadYamlConfig(
        one('    checks:\n      - {type: http, url: "http://127.0.0.1/"}\n'),
        'c.yaml',
      ),
    );
    expect(service!.checks[0]).toMatchObject({ expectStatus: [[200, 299]] });
  });

  it('maps hooks to the states they run in', () => {
    const [service] = services(
      loadYamlConfig(
        one(`    hooks:
      execute: logger changed
      up-execute: [logger up, touch /run/up]
      disabled-execute: logger disabled
    disable: /etc/maintenance
`),
        'c.yaml',
      ),
    );
    expect(service!.hooks).toEqual({
      any: ['logger changed'],
      byState: { UP: ['logger up', 'touch /run/up'], DOWN: [], DISABLED: ['logger disabled'] },
    });
    expect(service!.disableFile).toBe('/etc/maintenance');
  });

  it('keeps address options and canonicalises the prefixes of ifnames', () => {
    const [service] = services(
      loadYamlConfig(
        one(`    routes:
      prefixes: ["2001:db8:0::10/128", 198.51.100.16/30]
      ifnames: {"2001:db8::10/128": dummy0}
      ip-setup: false
      dynamic-ip-setup: true
      sudo: true
      deaggregate: true
      start-ip: 2
`),
        'c.yaml',
      ),
    );
    expect(service!.addresses).toEqual({
      label: null,
      labelExactMatch: false,
      setup: false,
      dynamic: true,
      sudo: true,
      ifnames: { '2001:db8::10/128': 'dummy0' },
      deaggregate: true,
      startIp: 2,
    });
  });

  it('returns the top-level metrics, control and concurrency settings', () => {
    const result = loadYamlConfig(
      `services: [{name: a}]
metrics: {listen: "[::1]:9101"}
control: {socket: /run/bgp-healthcheck.sock}
max-concurrent-checks: 8
`,
      'c.yaml',
    );
    expect(result).toMatchObject({
      ok: true,
      config: {
        metrics: { listen: { host: '::1', port: 9101 } },
        control: { socket: '/run/bgp-healthcheck.sock' },
        maxConcurrentChecks: 8,
      },
    });
  });
});

describe('loadYamlConfig rejections', () => {
  it('lists every problem of a file with its path and line', () => {
    const text = `services:
  - name: web
    routes:
      prefixes: [198.51.100.300/32]
      fast_interval: 3
    timing:
      interval: soon
      rise: 1.5
    checks:
      - type: http
        url: ftp://127.0.0.1/
      - type: smtp
  - name: db
    checks:
      - type: tcp
`;
    const found = issues(loadYamlConfig(text, 'c.yaml'));
    const summary = found.map((i) => `${i.line}: ${i.path}`);
    expect(summary).toEqual([
      '4: services[0].routes.prefixes[0]',
      '5: services[0].routes.fast_interval',
      '7: services[0].timing.interval',
      '8: services[0].timing.rise',
      '11: services[0].checks[0].url',
      '12: services[0].checks[1].type',
      '15: services[1].checks[0].port',
    ]);
    expect(found.every((i) => i.file === 'c.yaml')).toBe(true);
    expect(found[1]!.message).toBe("unknown key 'fast_interval' (did you mean 'fast-interval'?)");
    expect(found[4]!.message).toContain('not an http:// or https:// URL');
    expect(found[6]!.message).toBe('is required (expected number)');
  });

  it('rejects duplicate service names', () => {
    const found = issues(
      loadYamlConfig('services:\n  - name: web\n  - name: db\n  - name: web\n', 'c.yaml'),
    );
    expect(found).toEqual([
      {
        path: 'services[2].name',
        file: 'c.yaml',
        line: 4,
        message: "duplicate service name 'web' (also services[0].name)",
      },
    ]);
  });

  it('refuses a service name with a control or line-breaking character, as --name does', () => {
    for (const escape of ['\\0', '\\e', '\\x7f', '\\N', '\\x9b', '\\L', '\\P', '\\t']) {
      const found = issues(loadYamlConfig(`services:\n  - name: "web${escape}x"\n`, 'c.yaml'));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ path: 'services[0].name', line: 2 });
      expect(found[0]!.message).toMatch(/^expected a name of 1 to 128 characters without control/);
    }
    expect(issues(loadYamlConfig('services:\n  - name: ""\n', 'c.yaml'))).toHaveLength(1);
    expect(services(loadYamlConfig('services:\n  - name: café\n', 'c.yaml'))[0]!.name).toBe('café');
  });

  it('refuses a header value that could not be sent as one Latin-1 header line, saying which', () => {
    const withHeader = (value: string): string =>
      `services:\n  - name: web\n    checks:\n      - type: http\n        url: http://127.0.0.1/\n        headers:\n          X-A: "${value}"\n`;
    const messages = (value: string): string[] =>
      issues(loadYamlConfig(withHeader(value), 'c.yaml')).map(
        (issue) => `${issue.path}:${issue.line}: ${issue.message}`,
      );
    expect(messages('a\\r\\nEvil: 1')).toEqual([
      'services[0].checks[0].headers.X-A:7: a header value may not contain a line break',
    ]);
    for (const value of ['price \u20ac', 'a\\x01', 'a\\x7f']) {
      expect(messages(value)).toEqual([
        'services[0].checks[0].headers.X-A:7: a header value may hold only tabs, printable ASCII and U+0080 to U+00FF',
      ]);
    }
    expect(loadYamlConfig(withHeader('caf\u00e9\\tv ~'), 'c.yaml').ok).toBe(true);
  });

  it('rejects two services announcing the same prefix to the same peers', () => {
    const text = `services:
  - name: a
    routes: {prefixes: [198.51.100.10/32]}
  - name: b
    routes: {prefixes: ["198.51.100.10"]}
`;
    const found = issues(loadYamlConfig(text, 'c.yaml'));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'services[1].routes.prefixes[0]', line: 5 });
    expect(found[0]!.message).toContain("also announced by service 'a'");
  });

  it('allows one prefix in two services when their neighbors or path ids differ', () => {
    const text = `services:
  - name: a
    routes: {prefixes: [198.51.100.10/32], neighbors: [192.0.2.1]}
  - name: b
    routes: {prefixes: [198.51.100.10/32], neighbors: [192.0.2.2]}
  - name: c
    routes: {prefixes: [198.51.100.10/32], path-id: 3}
`;
    expect(loadYamlConfig(text, 'c.yaml').ok).toBe(true);
  });

  it('rejects a prefix listed twice in one service', () => {
    const found = issues(
      loadYamlConfig(
        one('    routes: {prefixes: [198.51.100.10/32, 198.51.100.10/32]}\n'),
        'c.yaml',
      ),
    );
    expect(found[0]).toMatchObject({ path: 'services[0].routes.prefixes[1]' });
  });

  it.each([
    ['community', '"65001:1 ]"'],
    ['community', '"65001:1; announce route 10.0.0.0/8"'],
    ['large-community', '"1:2:3 [4]"'],
    ['as-path', '"65001 abc"'],
    ['next-hop', '"192.0.2.1 med 5"'],
    ['extended-community', '"target:1:2\\nannounce"'],
  ])('rejects %s: %s', (key, value) => {
    const found = issues(loadYamlConfig(one(`    routes: {${key}: ${value}}\n`), 'c.yaml'));
    expect(found).toHaveLength(1);
    expect(found[0]!.path).toBe(`services[0].routes.${key}`);
  });

  it('rejects a host address with host bits in a network', () => {
    const found = issues(
      loadYamlConfig(one('    routes: {prefixes: [198.51.100.10/24]}\n'), 'c.yaml'),
    );
    expect(found[0]!.message).toContain('host bits');
  });

  it('rejects ifnames for a prefix the service does not announce', () => {
    const found = issues(
      loadYamlConfig(
        one(
          '    routes:\n      prefixes: [198.51.100.10/32]\n      ifnames: {198.51.100.11/32: eth0}\n',
        ),
        'c.yaml',
      ),
    );
    expect(found).toEqual([
      expect.objectContaining({
        path: 'services[0].routes.ifnames["198.51.100.11/32"]',
        line: 5,
        message: "198.51.100.11/32 is not one of this service's prefixes",
      }),
    ]);
  });

  it('rejects a weighted threshold the checks can never reach', () => {
    const found = issues(
      loadYamlConfig(
        one(`    checks:
      - {type: tcp, port: 1, weight: 30}
      - {type: tcp, port: 2}
    policy: {weighted: 40}
`),
        'c.yaml',
      ),
    );
    expect(found[0]).toMatchObject({ path: 'services[0].policy.weighted', line: 6 });
    expect(found[0]!.message).toContain('weigh 31');
  });

  it('rejects a policy that is not all, any or weighted', () => {
    const found = issues(loadYamlConfig(one('    policy: most\n'), 'c.yaml'));
    expect(found[0]!.message).toBe("expected 'all', 'any' or { weighted: THRESHOLD }");
  });

  it('rejects metrics that the increase pushes out of range', () => {
    const found = issues(
      loadYamlConfig(
        one('    routes: {prefixes: [198.51.100.10/32, 198.51.100.11/32], increase: -200}\n'),
        'c.yaml',
      ),
    );
    expect(found[0]).toMatchObject({ path: 'services[0].routes.increase' });
    expect(found[0]!.message).toContain('UP metric reaches -100');
  });

  it('rejects a listen address and a socket path as the command line does', () => {
    const found = issues(
      loadYamlConfig(
        `services: [{name: a}]
metrics: {listen: "localhost:9101"}
control: {socket: /run/${'x'.repeat(100)}.sock}
`,
        'c.yaml',
      ),
    );
    expect(found).toMatchObject([
      {
        path: 'metrics.listen',
        line: 2,
        message:
          'expected HOST:PORT, [IPV6]:PORT or :PORT with an IP address and a port 0-65535, got "localhost:9101"',
      },
      { path: 'control.socket', line: 3 },
    ]);
    expect(found[1]!.message).toMatch(/^control socket path too long/);
  });

  it('reads a bare port as 127.0.0.1, as the command line does', () => {
    const result = loadYamlConfig('services: [{name: a}]\nmetrics: {listen: ":9101"}\n', 'c.yaml');
    expect(result).toMatchObject({
      ok: true,
      config: { metrics: { listen: { host: '127.0.0.1', port: 9101 } } },
    });
  });

  it('rejects durations with unknown units or below zero', () => {
    const found = issues(
      loadYamlConfig(one('    timing: {interval: 5d, timeout: -1}\n'), 'c.yaml'),
    );
    expect(found.map((i) => i.path)).toEqual([
      'services[0].timing.interval',
      'services[0].timing.timeout',
    ]);
  });

  it('rejects duplicate keys and YAML syntax errors with their line', () => {
    const dup = issues(loadYamlConfig('services:\n  - name: a\n    name: b\n', 'c.yaml'));
    expect(dup[0]).toMatchObject({ path: '(yaml)', line: 3 });
    const syntax = issues(loadYamlConfig('services:\n  - name: [a\n', 'c.yaml'));
    expect(syntax[0]!.path).toBe('(yaml)');
  });

  it('rejects an empty file, a file without services and several documents', () => {
    expect(issues(loadYamlConfig('', 'c.yaml'))[0]!.message).toContain('empty');
    expect(issues(loadYamlConfig('services: []\n', 'c.yaml'))[0]).toMatchObject({
      path: 'services',
      message: 'expected at least one service',
    });
    expect(
      issues(loadYamlConfig('services: [{name: a}]\n---\nservices: [{name: b}]\n', 'c.yaml')),
    ).not.toHaveLength(0);
  });

  it('rejects unknown top-level keys and says so per key', () => {
    const found = issues(
      loadYamlConfig('services: [{name: a}]\nservice: x\nmetric: {}\n', 'c.yaml'),
    );
    expect(found.map((i) => [i.path, i.line])).toEqual([
      ['service', 2],
      ['metric', 3],
    ]);
  });

  it('stops alias bombs instead of expanding them', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...Array.from(
        { length: 8 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
      'services: [{name: a}]',
    ].join('\n');
    expect(loadYamlConfig(bomb, 'c.yaml').ok).toBe(false);
  });
});

describe('formatPath', () => {
  it('writes indices in brackets and quotes keys that are not names', () => {
    expect(formatPath(['services', 2, 'checks', 0, 'url'])).toBe('services[2].checks[0].url');
    expect(formatPath(['services', 0, 'routes', 'ifnames', '198.51.100.1/32'])).toBe(
      'services[0].routes.ifnames["198.51.100.1/32"]',
    );
    expect(formatPath([])).toBe('(top level)');
  });
});
