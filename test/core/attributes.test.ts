// Communities, large and extended communities and AS paths: the grammars ExaBGP's text API accepts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAsn,
  parseAsPath,
  parseCommunities,
  parseCommunity,
  parseExtendedCommunities,
  parseExtendedCommunity,
  parseLargeCommunities,
  parseLargeCommunity,
} from '../../src/core/attributes.js';
import { InvalidValueError } from '../../src/core/errors.js';

describe('communities', () => {
  it.each(['0:0', '65000:1', '65535:65535', '4294967295', '0', '0xFFFF0001'])(
    'accepts %s as written',
    (c) => {
      expect(parseCommunity(c)).toBe(c);
    },
  );

  it.each([
    ['no-export', 'no-export'],
    ['NO-EXPORT', 'no-export'],
    ['no-advertise', 'no-advertise'],
    ['no-export-subconfed', 'no-export-subconfed'],
    ['nopeer', 'nopeer'],
    ['no-peer', 'no-peer'],
    ['blackhole', 'blackhole'],
  ])('accepts the well-known name %s', (input, out) => {
    expect(parseCommunity(input)).toBe(out);
  });

  it.each([
    '65536:1',
    '1:65536',
    '-1:1',
    '1:',
    ':1',
    '1:2:3',
    '4294967296',
    'no-exports',
    '1:1;',
    '[',
    '0x123456789',
    'a:b',
  ])('rejects %j', (c) => {
    expect(() => parseCommunity(c)).toThrow(InvalidValueError);
  });

  it('splits a list at spaces and tabs', () => {
    expect(parseCommunities(' 65000:1\tno-export  2:2 ')).toEqual(['65000:1', 'no-export', '2:2']);
  });

  it('rejects an empty list and brackets', () => {
    expect(() => parseCommunities('   ')).toThrow(/empty/);
    expect(() => parseCommunities('[ 1:1 ]')).toThrow(InvalidValueError);
  });

  it('rejects the injection the reference lets through', () => {
    expect(() => parseCommunities('1:1\nannounce route 0.0.0.0/0 next-hop self')).toThrow(
      InvalidValueError,
    );
  });
});

describe('large communities', () => {
  it('accepts A:B:C with 32-bit parts', () => {
    expect(parseLargeCommunities('65000:1:2 4294967295:0:4294967295')).toEqual([
      '65000:1:2',
      '4294967295:0:4294967295',
    ]);
  });

  it.each(['1:2', '1:2:3:4', '4294967296:1:1', '1:-2:3', '1:x:3', '1::3'])('rejects %s', (c) => {
    expect(() => parseLargeCommunity(c)).toThrow(InvalidValueError);
  });
});

describe('extended communities', () => {
  it.each([
    'target:65000:1',
    'origin:65000:1',
    'target4:65000:1',
    'origin4:65000:1',
    'redirect:65000:1',
    'target:192.0.2.1:100',
    'origin:192.0.2.1:100',
    'TARGET:65000:1',
    '65000:1',
    '192.0.2.1:7',
    '0x0002fde800000001',
  ])('accepts %s', (c) => {
    expect(parseExtendedCommunity(c)).toBe(c);
  });

  it.each([
    'target:65000',
    'bogus:65000:1',
    'target:65000:1:2',
    'target:192.0.2.256:1',
    'target:65000:x',
    '0x0002fde8',
    '0x0002fde80000000g',
    'target:4294967296:1',
  ])('rejects %s', (c) => {
    expect(() => parseExtendedCommunity(c)).toThrow(InvalidValueError);
  });

  it('parses a list', () => {
    expect(parseExtendedCommunities('target:65000:1 origin:192.0.2.1:5')).toEqual([
      'target:65000:1',
      'origin:192.0.2.1:5',
    ]);
  });
});

describe('as-path', () => {
  it('reads a list of AS numbers', () => {
    expect(parseAsPath('65001 65002\t4294967295 0')).toEqual([65001, 65002, 4294967295, 0]);
  });

  it.each(['AS65001', '4294967296', '-1', '1.5', '{ 1 2 }', '(1)', ''])('rejects %j', (text) => {
    expect(() => parseAsPath(text)).toThrow(InvalidValueError);
  });

  it('reads one AS number', () => {
    expect(parseAsn('64496')).toBe(64496);
  });
});

describe('parsing text with a line break', () => {
  const parsers: readonly [string, (text: string) => unknown][] = [
    ['community', parseCommunity],
    ['communities', parseCommunities],
    ['extended community', parseExtendedCommunity],
    ['extended communities', parseExtendedCommunities],
    ['large community', parseLargeCommunity],
    ['large communities', parseLargeCommunities],
    ['asn', parseAsn],
    ['as-path', parseAsPath],
  ];

  it('is rejected by every parse function, whatever else the text holds', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('\n', '\r', '\r\n', '\u2028', '\u0085'),
        fc.string({ maxLength: 20 }),
        (before, br, after) => {
          for (const [, parse] of parsers) {
            expect(() => parse(before + br + after)).toThrow(InvalidValueError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is rejected even around valid values', () => {
    for (const [name, parse] of parsers) {
      const valid = name.startsWith('large')
        ? '1:2:3'
        : name.startsWith('ext')
          ? 'target:1:2'
          : name.startsWith('as')
            ? '65001'
            : '1:1';
      expect(() => parse(`${valid}\n`), name).toThrow(InvalidValueError);
      expect(() => parse(`${valid}\n${valid}`), name).toThrow(InvalidValueError);
    }
  });
});
