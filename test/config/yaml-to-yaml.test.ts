import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serviceToYaml } from '../../src/config/to-yaml.js';
import { loadYamlConfig } from '../../src/config/yaml.js';
import type { Service } from '../../src/core/service.js';

function load(text: string): Service[] {
  const result = loadYamlConfig(text, 'c.yaml');
  if (!result.ok) throw new Error(JSON.stringify(result.issues, null, 2));
  return result.config.services;
}

const RICH = `services:
  - name: edge web
    routes:
      prefixes: [198.51.100.16/30, "2001:db8::10/128"]
      label: web
      label-exact-match: true
      next-hop: "2001:db8::1"
      up-metric: 10
      down-metric: 20
      disabled-metric: 30
      increase: -1
      local-preference: 0
      community: [65001:100, no-export]
      disabled-community: [65535:0]
      extended-community: [target:65001:1, origin:192.0.2.1:7]
      large-community: [65001:1:2]
      as-path: [65001]
      up-as-path: [65001, 65002]
      down-as-path: [65001, 65001, 65001]
      disabled-as-path: [65001, 65001]
      path-id: 0
      neighbors: [192.0.2.1, 192.0.2.2]
      withdraw-on-down: true
      ip-setup: false
      dynamic-ip-setup: true
      sudo: true
      ifnames: {"198.51.100.16/30": dummy0}
      deaggregate: true
      start-ip: -3
    timing: {interval: 0.5, fast-interval: 250ms, timeout: 0, rise: 0, fall: 1, debounce: true, min-state-time: 90s, jitter: 2}
    disable: /etc/maintenance
    drain: 30s
    hooks:
      execute: [logger a, logger b]
      up-execute: logger up
      down-execute: logger down
      disabled-execute: logger disabled
    checks:
      - {type: command, command: "true", name: cmd, timeout: 1, weight: 2.5}
      - type: http
        url: https://127.0.0.1:8443/x?y=z
        method: HEAD
        headers: {Host: www.example.com, X-Check: "yes"}
        expect-status: [204, "300-399"]
        body-contains: "ok: yes"
        body-matches: "^\\\\d+$"
        tls-verify: false
        follow-redirects: true
      - {type: tcp, host: localhost, port: 6379, send: "PING\\r\\n", expect: "+PONG"}
      - {type: dns, server: "::1", port: 5353, name: example.com., query-type: AAAA, expect-rcode: NXDOMAIN, expect-answer: "2001:db8::1"}
    policy: {weighted: 3}
  - name: plain
  - name: any
    checks: [{type: tcp, port: 1}]
    policy: any
`;

describe('serviceToYaml', () => {
  it('writes services that load back equal to themselves', () => {
    const services = load(RICH);
    expect(load(serviceToYaml(services))).toEqual(services);
  });

  it('leaves out what equals the defaults', () => {
    expect(serviceToYaml(load('services: [{name: web}]\n'))).toBe('services:\n  - name: web\n');
  });

  it('keeps the values that differ from the defaults, in kebab-case keys', () => {
    const text = serviceToYaml(load(RICH));
    expect(text).toContain('fast-interval: 0.25');
    expect(text).toContain('withdraw-on-down: true');
    expect(text).toContain('ip-setup: false');
    expect(text).toContain('expect-status: [204, 300-399]');
  });

  it('round-trips generated services', () => {
    const routes = fc.record(
      {
        prefixes: fc.uniqueArray(
          fc.nat(255).map((n) => `198.51.100.${n}/32`),
          { minLength: 1, maxLength: 3 },
        ),
        'up-metric': fc.nat(1000),
        community: fc.array(
          fc.tuple(fc.nat(65535), fc.nat(65535)).map(([a, b]) => `${a}:${b}`),
          { minLength: 1, maxLength: 3 },
        ),
        'as-path': fc.array(fc.nat(0xffffffff), { minLength: 1, maxLength: 3 }),
        'withdraw-on-down': fc.boolean(),
        'path-id': fc.nat(0xffffffff),
      },
      { requiredKeys: ['prefixes'] },
    );
    const timing = fc.record(
      {
        interval: fc.integer({ min: 0, max: 3600 }),
        rise: fc.nat(10),
        jitter: fc.double({ min: 0, max: 10, noNaN: true }),
        debounce: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const check = fc.oneof(
      fc.record({
        type: fc.constant('command'),
        command: fc.string({ minLength: 1 }).filter((s) => !/[\r\n\0]/.test(s)),
      }),
      fc.record({
        type: fc.constant('tcp'),
        port: fc.integer({ min: 1, max: 65535 }),
        send: fc.string(),
      }),
    );
    fc.assert(
      fc.property(routes, timing, fc.array(check, { maxLength: 3 }), (r, t, checks) => {
        const yaml = serviceToYaml(
          load(JSON.stringify({ services: [{ name: 'gen', routes: r, timing: t, checks }] })),
        );
        const services = load(yaml);
        expect(load(serviceToYaml(services))).toEqual(services);
      }),
      { numRuns: 100 },
    );
  });
});
