import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadYamlConfig } from '../../src/config/yaml.js';

const VALID = `services:
  - name: web
    routes:
      prefixes: [198.51.100.10/32]
    checks:
      - type: tcp
        port: 80
`;

/** Where a string value lands in an otherwise valid config. */
const FIELDS: Record<string, (value: string) => unknown> = {
  name: (v) => ({ name: v }),
  prefix: (v) => ({ name: 'a', routes: { prefixes: [v] } }),
  'next-hop': (v) => ({ name: 'a', routes: { 'next-hop': v } }),
  community: (v) => ({ name: 'a', routes: { community: v } }),
  'community list': (v) => ({ name: 'a', routes: { community: ['65001:1', v] } }),
  'disabled-community': (v) => ({ name: 'a', routes: { 'disabled-community': v } }),
  'extended-community': (v) => ({ name: 'a', routes: { 'extended-community': v } }),
  'large-community': (v) => ({ name: 'a', routes: { 'large-community': v } }),
  'as-path': (v) => ({ name: 'a', routes: { 'as-path': v } }),
  'up-as-path': (v) => ({ name: 'a', routes: { 'up-as-path': v } }),
  neighbor: (v) => ({ name: 'a', routes: { neighbors: [v] } }),
  label: (v) => ({ name: 'a', routes: { label: v } }),
  ifname: (v) => ({
    name: 'a',
    routes: { prefixes: ['198.51.100.1/32'], ifnames: { '198.51.100.1/32': v } },
  }),
  disable: (v) => ({ name: 'a', disable: v }),
  hook: (v) => ({ name: 'a', hooks: { 'up-execute': v } }),
  command: (v) => ({ name: 'a', checks: [{ type: 'command', command: v }] }),
  url: (v) => ({ name: 'a', checks: [{ type: 'http', url: v }] }),
  'header value': (v) => ({
    name: 'a',
    checks: [{ type: 'http', url: 'http://127.0.0.1/', headers: { Host: v } }],
  }),
  'dns name': (v) => ({ name: 'a', checks: [{ type: 'dns', name: v }] }),
  'expect-answer': (v) => ({
    name: 'a',
    checks: [{ type: 'dns', name: 'example.com', 'expect-answer': v }],
  }),
  'metrics listen': (v) => ({ name: 'a', _top: { metrics: { listen: v } } }),
};

function configWith(field: string, value: string): string {
  const service = FIELDS[field]!(value) as Record<string, unknown> & {
    _top?: Record<string, unknown>;
  };
  const { _top, ...rest } = service;
  return stringify({ services: [rest], ...(_top ?? {}) });
}

/** A string with a line break somewhere, around text that is otherwise valid for most fields. */
const withLineBreak = fc
  .tuple(
    fc.constantFrom('', '65001:1', '198.51.100.10', 'web', 'http://127.0.0.1/'),
    fc.constantFrom('\n', '\r', '\r\n'),
    fc.constantFrom('', 'announce route 10.0.0.0/8 next-hop self', '65001:2', 'x'),
  )
  .map(([a, br, b]) => a + br + b);

describe('loadYamlConfig under arbitrary input', () => {
  it('never throws on arbitrary text, only returns a result', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const result = loadYamlConfig(text, 'fuzz.yaml');
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary YAML documents, valid or not', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3, maxKeys: 5 }), (value) => {
        const result = loadYamlConfig(stringify(value) ?? '', 'fuzz.yaml');
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
  });

  it('never throws when the services hold arbitrary values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.dictionary(
            fc.constantFrom(...Object.keys(FIELDS), 'routes', 'checks', 'timing'),
            fc.anything({ maxDepth: 2, maxKeys: 4 }),
          ),
          { maxLength: 3 },
        ),
        (list) => {
          const result = loadYamlConfig(stringify({ services: list }), 'fuzz.yaml');
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws when a valid file is cut or has a character changed', () => {
    fc.assert(
      fc.property(
        fc.nat(VALID.length),
        fc.string({ unit: 'binary', maxLength: 3 }),
        (at, insert) => {
          const text = VALID.slice(0, at) + insert + VALID.slice(at + 1);
          const result = loadYamlConfig(text, 'fuzz.yaml');
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts the untouched valid file the mutations start from', () => {
    expect(loadYamlConfig(VALID, 'ok.yaml').ok).toBe(true);
  });

  it('rejects a line break in any attribute or text field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(FIELDS)), withLineBreak, (field, value) => {
        const result = loadYamlConfig(configWith(field, value), 'fuzz.yaml');
        expect(result.ok, `${field} = ${JSON.stringify(value)}`).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('rejects any string with a line break in a community field, whatever surrounds it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'community',
          'large-community',
          'extended-community',
          'as-path',
          'next-hop',
          'prefix',
        ),
        fc.string(),
        fc.constantFrom('\n', '\r'),
        fc.string(),
        (field, a, br, b) => {
          expect(loadYamlConfig(configWith(field, a + br + b), 'fuzz.yaml').ok).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });
});
