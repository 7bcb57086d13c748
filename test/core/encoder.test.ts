// The ExaBGP text lines, compared with what the reference healthcheck prints for the same options.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { announcementsFor, type AnnounceTarget } from '../../src/core/announcer.js';
import type {
  Asn,
  Community,
  ExtendedCommunity,
  LargeCommunity,
} from '../../src/core/attributes.js';
import { encodeExabgpText, type ApiForm } from '../../src/core/encoder.js';
import { parseIpAddress, parseIpPrefix, type IpAddress, type IpPrefix } from '../../src/core/ip.js';
import type { RouteCommand } from '../../src/core/route.js';
import { parseHealthcheckArgs } from '../../src/config/healthcheck-args.js';

const noFile = (path: string): string => {
  throw new Error(`no file ${path} in this test`);
};

/** The lines for `target` from the same options the reference was given. */
function lines(argv: readonly string[], target: AnnounceTarget, form: ApiForm = 4): string[] {
  const { routes } = parseHealthcheckArgs(argv, noFile).service;
  return announcementsFor(routes, target).map((c) => encodeExabgpText(c, form));
}

// Each expectation below is the reference's stdout for the same options, run as
// `python3 -m exabgp healthcheck --interval 0 --rise 1 --fall 1 --no-ip-setup --no-syslog --no-ack ...`
// with `--command true` (UP), `--command false` (DOWN), an existing `--disable` file (DISABLED),
// or SIGTERM after the first announcement (EXIT).
describe('encodeExabgpText, form 4, as the reference prints', () => {
  it('writes every attribute, the MED growing per prefix, IPv4 and IPv6', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--ip',
      '198.51.100.11/32',
      '--ip',
      '2001:DB8::10',
      '--increase',
      '5',
      '--local-preference',
      '200',
      '--community',
      '65000:1 no-export',
      '--extended-community',
      'target:65000:1',
      '--large-community',
      '65000:1:2',
      '--as-path',
      '65001 65002',
      '--path-id',
      '7',
      '--next-hop',
      '192.0.2.1',
    ];
    expect(lines(argv, 'UP')).toEqual([
      'announce route 198.51.100.10/32 next-hop 192.0.2.1 med 100 local-preference 200 community [ 65000:1 no-export ] extended-community [ target:65000:1 ] large-community [ 65000:1:2 ] as-path [ 65001 65002 ] path-information 7',
      'announce route 198.51.100.11/32 next-hop 192.0.2.1 med 105 local-preference 200 community [ 65000:1 no-export ] extended-community [ target:65000:1 ] large-community [ 65000:1:2 ] as-path [ 65001 65002 ] path-information 7',
      'announce route 2001:db8::10/128 next-hop 192.0.2.1 med 110 local-preference 200 community [ 65000:1 no-export ] extended-community [ target:65000:1 ] large-community [ 65000:1:2 ] as-path [ 65001 65002 ] path-information 7',
    ]);
  });

  it('writes the disabled community and the down as-path in DOWN, local-preference 0, no path id 0', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--ip',
      '198.51.100.11',
      '--local-preference',
      '0',
      '--community',
      '65000:1',
      '--disabled-community',
      '65000:666',
      '--as-path',
      '65001',
      '--down-as-path',
      '65009 65009',
      '--path-id',
      '0',
    ];
    expect(lines(argv, 'DOWN')).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 1000 local-preference 0 community [ 65000:666 ] as-path [ 65009 65009 ]',
      'announce route 198.51.100.11/32 next-hop self med 1001 local-preference 0 community [ 65000:666 ] as-path [ 65009 65009 ]',
    ]);
  });

  it('writes the disabled community, disabled as-path and neighbors in DISABLED', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--community',
      '65000:1',
      '--disabled-community',
      '65000:666',
      '--up-as-path',
      '1',
      '--disabled-as-path',
      '3',
      '--neighbor',
      '192.0.2.7',
      '--neighbor',
      '2001:db8::7',
    ];
    expect(lines(argv, 'DISABLED')).toEqual([
      'neighbor 192.0.2.7, neighbor 2001:db8::7 announce route 198.51.100.10/32 next-hop self med 500 community [ 65000:666 ] as-path [ 3 ]',
    ]);
  });

  it("writes the state's own as-path in UP and no community when only the disabled one is set", () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--up-as-path',
      '65001 65001',
      '--as-path',
      '65009',
      '--disabled-community',
      '9:9',
    ];
    expect(lines(argv, 'UP')).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 100 as-path [ 65001 65001 ]',
    ]);
  });

  it('falls back to the common as-path and uses the down metric and increase in DOWN', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--ip',
      '198.51.100.11',
      '--up-as-path',
      '65001 65001',
      '--as-path',
      '65009',
      '--disabled-community',
      '9:9',
      '--down-metric',
      '2000',
      '--increase',
      '10',
    ];
    expect(lines(argv, 'DOWN')).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 2000 community [ 9:9 ] as-path [ 65009 ]',
      'announce route 198.51.100.11/32 next-hop self med 2010 community [ 9:9 ] as-path [ 65009 ]',
    ]);
  });

  it('writes the disabled metric and the largest path id in DISABLED', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--as-path',
      '65009',
      '--community',
      '1:1',
      '--disabled-metric',
      '0',
      '--path-id',
      '4294967295',
    ];
    expect(lines(argv, 'DISABLED')).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 0 community [ 1:1 ] as-path [ 65009 ] path-information 4294967295',
    ]);
  });

  it('writes IPv6 prefixes, next-hop and neighbor in canonical lower case, with extended and large communities', () => {
    const argv = [
      '--ip',
      '2001:db8::10/128',
      '--ip',
      '2001:db8:1::/64',
      '--next-hop',
      '2001:DB8::1',
      '--neighbor',
      '2001:DB8::7',
      '--large-community',
      '1:2:3 4:5:6',
      '--extended-community',
      'target:65000:1 origin:192.0.2.1:5',
    ];
    expect(lines(argv, 'UP')).toEqual([
      'neighbor 2001:db8::7 announce route 2001:db8::10/128 next-hop 2001:db8::1 med 100 extended-community [ target:65000:1 origin:192.0.2.1:5 ] large-community [ 1:2:3 4:5:6 ]',
      'neighbor 2001:db8::7 announce route 2001:db8:1::/64 next-hop 2001:db8::1 med 101 extended-community [ target:65000:1 origin:192.0.2.1:5 ] large-community [ 1:2:3 4:5:6 ]',
    ]);
  });

  it('withdraws in DOWN with withdraw-on-down, keeping path-information and neighbors only', () => {
    const argv = [
      '--withdraw-on-down',
      '--ip',
      '198.51.100.10',
      '--ip',
      '2001:db8::10/128',
      '--path-id',
      '3',
      '--neighbor',
      '192.0.2.7',
      '--community',
      '1:1',
    ];
    expect(lines(argv, 'DOWN')).toEqual([
      'neighbor 192.0.2.7 withdraw route 198.51.100.10/32 next-hop self path-information 3',
      'neighbor 192.0.2.7 withdraw route 2001:db8::10/128 next-hop self path-information 3',
    ]);
  });

  it('withdraws in DISABLED with withdraw-on-down', () => {
    expect(lines(['--withdraw-on-down', '--ip', '198.51.100.10'], 'DISABLED')).toEqual([
      'withdraw route 198.51.100.10/32 next-hop self',
    ]);
  });

  it('announces in UP with withdraw-on-down, without local-preference -1, with MED 0 and increase 0', () => {
    const argv = [
      '--withdraw-on-down',
      '--ip',
      '198.51.100.10',
      '--local-preference',
      '-1',
      '--up-metric',
      '0',
      '--increase',
      '0',
      '--ip',
      '198.51.100.12',
    ];
    expect(lines(argv, 'UP')).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 0',
      'announce route 198.51.100.12/32 next-hop self med 0',
    ]);
  });

  it('withdraws with prefix, next-hop, path-information and neighbors only on EXIT', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--ip',
      '2001:db8::10',
      '--path-id',
      '9',
      '--neighbor',
      '192.0.2.7',
      '--community',
      '1:1',
      '--local-preference',
      '5',
      '--next-hop',
      '2001:db8::1',
    ];
    expect(lines(argv, 'UP')).toEqual([
      'neighbor 192.0.2.7 announce route 198.51.100.10/32 next-hop 2001:db8::1 med 100 local-preference 5 community [ 1:1 ] path-information 9',
      'neighbor 192.0.2.7 announce route 2001:db8::10/128 next-hop 2001:db8::1 med 101 local-preference 5 community [ 1:1 ] path-information 9',
    ]);
    expect(lines(argv, 'EXIT')).toEqual([
      'neighbor 192.0.2.7 withdraw route 198.51.100.10/32 next-hop 2001:db8::1 path-information 9',
      'neighbor 192.0.2.7 withdraw route 2001:db8::10/128 next-hop 2001:db8::1 path-information 9',
    ]);
  });

  it('withdraws on EXIT with next-hop self and no attributes', () => {
    expect(
      lines(['--ip', '198.51.100.10', '--community', '1:1', '--as-path', '1'], 'EXIT'),
    ).toEqual(['withdraw route 198.51.100.10/32 next-hop self']);
  });
});

describe('encodeExabgpText, form 5', () => {
  it('addresses every line to neighbor * when no neighbor is given', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--ip',
      '2001:db8::10',
      '--community',
      '1:1',
      '--path-id',
      '2',
    ];
    expect(lines(argv, 'UP', 5)).toEqual([
      'neighbor * announce route 198.51.100.10/32 next-hop self med 100 community [ 1:1 ] path-information 2',
      'neighbor * announce route 2001:db8::10/128 next-hop self med 101 community [ 1:1 ] path-information 2',
    ]);
    expect(lines(argv, 'EXIT', 5)).toEqual([
      'neighbor * withdraw route 198.51.100.10/32 next-hop self path-information 2',
      'neighbor * withdraw route 2001:db8::10/128 next-hop self path-information 2',
    ]);
  });

  // ExaBGP 5's healthcheck takes `--neighbor '*'` for every peer; 5.x's API reads
  // `neighbor * announce|withdraw route ...`, and 4.2 reads the same lines without the selector.
  it("writes neighbor * for --neighbor '*' in ExaBGP 5's form", () => {
    const argv = ['--ip', '198.51.100.10', '--neighbor', '*', '--withdraw-on-down'];
    expect(lines(argv, 'UP', 5)).toEqual([
      'neighbor * announce route 198.51.100.10/32 next-hop self med 100',
    ]);
    expect(lines(argv, 'DOWN', 5)).toEqual([
      'neighbor * withdraw route 198.51.100.10/32 next-hop self',
    ]);
  });

  it("writes 4.2's every-neighbor lines for --neighbor '*' in the 4.x form", () => {
    const argv = ['--ip', '198.51.100.10', '--neighbor', '*'];
    expect(lines(argv, 'UP', 4)).toEqual(['announce route 198.51.100.10/32 next-hop self med 100']);
    expect(lines(argv, 'EXIT', 4)).toEqual(['withdraw route 198.51.100.10/32 next-hop self']);
  });

  it("lets '*' stand for every neighbor even beside named ones, once", () => {
    const argv = ['--ip', '198.51.100.10', '--neighbor', '192.0.2.7', '--neighbor', '*'];
    expect(lines(argv, 'UP', 5)).toEqual([
      'neighbor * announce route 198.51.100.10/32 next-hop self med 100',
    ]);
  });

  it('uses the neighbors instead of neighbor * when they are given', () => {
    const argv = [
      '--ip',
      '198.51.100.10',
      '--neighbor',
      '192.0.2.7',
      '--neighbor',
      '192.0.2.8',
      '--withdraw-on-down',
    ];
    expect(lines(argv, 'UP', 5)).toEqual([
      'neighbor 192.0.2.7, neighbor 192.0.2.8 announce route 198.51.100.10/32 next-hop self med 100',
    ]);
    expect(lines(argv, 'DOWN', 5)).toEqual([
      'neighbor 192.0.2.7, neighbor 192.0.2.8 withdraw route 198.51.100.10/32 next-hop self',
    ]);
  });

  it('defaults to form 4', () => {
    const [command] = announcementsFor(
      parseHealthcheckArgs(['--ip', '198.51.100.10'], noFile).service.routes,
      'UP',
    );
    expect(encodeExabgpText(command!)).toBe(
      'announce route 198.51.100.10/32 next-hop self med 100',
    );
  });
});

// Arbitraries of parsed values, built the way the parsers build them.
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((w) => w.map((x) => x.toString(16)).join(':'));
const address: fc.Arbitrary<IpAddress> = fc.oneof(ipv4, ipv6).map(parseIpAddress);
const prefix: fc.Arbitrary<IpPrefix> = fc.oneof(ipv4, ipv6).map(parseIpPrefix);
const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffffffff);
const community = fc.tuple(u16, u16).map(([a, b]) => `${a}:${b}` as Community);
const large = fc.tuple(u32, u32, u32).map((p) => p.join(':') as LargeCommunity);
const extended = fc
  .tuple(fc.constantFrom('target', 'origin'), u32, u32)
  .map((p) => p.join(':') as ExtendedCommunity);
const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const validCommand: fc.Arbitrary<RouteCommand> = fc.oneof(
  fc.record({
    action: fc.constant('announce' as const),
    prefix,
    nextHop: fc.oneof(fc.constant('self' as const), address),
    med: u32,
    localPreference: nullable(u32),
    communities: nullable(fc.array(community, { minLength: 1, maxLength: 4 })),
    extendedCommunities: nullable(fc.array(extended, { minLength: 1, maxLength: 3 })),
    largeCommunities: nullable(fc.array(large, { minLength: 1, maxLength: 3 })),
    asPath: nullable(
      fc.array(
        u32.map((n) => n as Asn),
        { minLength: 1, maxLength: 5 },
      ),
    ),
    pathId: nullable(u32),
    neighbors: fc.array(address, { maxLength: 3 }),
  }),
  fc.record({
    action: fc.constant('withdraw' as const),
    prefix,
    nextHop: fc.oneof(fc.constant('self' as const), address),
    pathId: nullable(u32),
    neighbors: fc.array(address, { maxLength: 3 }),
  }),
);

describe('encodeExabgpText, properties', () => {
  it('writes exactly one line, without CR, LF or ;, for any command of parsed values', () => {
    fc.assert(
      fc.property(validCommand, fc.constantFrom<ApiForm>(4, 5), (command, form) => {
        const text = encodeExabgpText(command, form);
        expect(text).not.toMatch(/[\r\n;]/);
        expect(text.split('\n')).toHaveLength(1);
        expect(text).toMatch(/^(neighbor [^ ]+(, neighbor [^ ]+)* )?(announce|withdraw) route /);
        expect(text).toContain(` route ${command.prefix.text} next-hop `);
      }),
      { numRuns: 500 },
    );
  });

  it('never yields a line break or ; even when a forged value holds one', () => {
    const forged = fc.string({ maxLength: 12 }).map((s) => `1:1${s}` as Community);
    fc.assert(
      fc.property(
        validCommand,
        fc.array(forged, { minLength: 1, maxLength: 3 }),
        (command, communities) => {
          const poisoned: RouteCommand =
            command.action === 'announce'
              ? { ...command, communities }
              : { ...command, pathId: command.pathId };
          let text: string | undefined;
          try {
            text = encodeExabgpText(poisoned);
          } catch {
            return;
          }
          expect(text).not.toMatch(/[\r\n;]/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses a forged community carrying an injected route', () => {
    const command: RouteCommand = {
      action: 'announce',
      prefix: parseIpPrefix('198.51.100.10'),
      nextHop: 'self',
      med: 100,
      localPreference: null,
      communities: ['1:1\nannounce route 0.0.0.0/0 next-hop self' as Community],
      extendedCommunities: null,
      largeCommunities: null,
      asPath: null,
      pathId: null,
      neighbors: [],
    };
    expect(() => encodeExabgpText(command)).toThrow(/unsafe/);
  });
});
