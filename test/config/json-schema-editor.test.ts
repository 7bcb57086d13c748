// The published JSON Schema as an editor uses it: described, with defaults and patterns, and judged by
// an independent validator (ajv) the same way check-config judges the file.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runOurs } from '../support/healthcheck-process.js';

const schema = JSON.parse(
  readFileSync(join(REPO_ROOT, 'schema/bgp-healthcheck.schema.json'), 'utf8'),
) as Record<string, unknown>;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

type Node = Record<string, unknown>;

/** Every property schema, with its path from the root. */
function properties(node: unknown, path = ''): [string, Node][] {
  if (node === null || typeof node !== 'object') return [];
  const out: [string, Node][] = [];
  const n = node as Node;
  for (const [key, child] of Object.entries((n.properties as Record<string, Node>) ?? {})) {
    out.push([`${path}.${key}`, child], ...properties(child, `${path}.${key}`));
  }
  for (const key of ['items', 'additionalProperties'] as const)
    out.push(...properties(n[key], `${path}${key === 'items' ? '[]' : '.*'}`));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
    for (const [i, child] of ((n[key] as Node[] | undefined) ?? []).entries())
      out.push(...properties(child, `${path}<${i}>`));
  return out;
}

/** Every string pattern anywhere under a node. */
function patterns(node: unknown): string[] {
  if (node === null || typeof node !== 'object') return [];
  const n = node as Node;
  return [
    ...(typeof n.pattern === 'string' ? [n.pattern] : []),
    ...Object.values(n).flatMap(patterns),
  ];
}

const service = (extra: string) =>
  `services:\n  - name: web\n    routes: {prefixes: [198.51.100.1/32], ip-setup: false}\n${extra}`;

/** Files a user might write wrong, each refused by both. */
const BAD: Record<string, string> = {
  'unknown-key.yaml': service('    colour: blue\n'),
  'duration.yaml': service('    timing: {interval: 5sec}\n'),
  'negative-duration.yaml': service('    timing: {timeout: -1}\n'),
  'prefix.yaml':
    'services:\n  - name: web\n    routes: {prefixes: [web.example.com], ip-setup: false}\n',
  'community.yaml':
    'services:\n  - name: web\n    routes: {prefixes: [198.51.100.1/32], community: [65001-1]}\n',
  'community-string.yaml':
    'services:\n  - name: web\n    routes: {prefixes: [198.51.100.1/32], community: "65001:1 nope"}\n',
  'listen.yaml': `${service('')}metrics: {listen: "localhost:9100"}\n`,
  'check-type.yaml': service('    checks: [{type: ping}]\n'),
  'port.yaml': service('    checks: [{type: tcp, port: 70000}]\n'),
  'no-services.yaml': 'metrics: {listen: ":9100"}\n',
  'empty-services.yaml': 'services: []\n',
  'policy.yaml': service('    policy: most\n'),
  'log-format.yaml': `${service('')}log: {format: xml}\n`,
  'name.yaml': 'services:\n  - name: "a\\u0007b"\n',
};

/** Files that are right, beyond the examples. */
const GOOD: Record<string, string> = {
  'ipv6.yaml':
    "services:\n  - name: v6\n    routes: {prefixes: ['2001:db8::1/128', '2001:db8::53'], community: 'no-export 65001:1'}\n",
  'listen.yaml': `${service('')}metrics: {listen: "[::1]:9100"}\ncontrol: {socket: /run/x.sock}\n`,
  'listen-port.yaml': `${service('    timing: {interval: 500ms, timeout: 0.2}\n')}metrics: {listen: ":0"}\n`,
};

describe('the JSON Schema in an editor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bhc-schema-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has an $id', () => {
    expect(schema.$id).toBe('file:///usr/share/bgp-healthcheck/schema/bgp-healthcheck.schema.json');
  });

  it('describes every property', () => {
    const undescribed = properties(schema)
      .filter(([, node]) => typeof node.description !== 'string' || node.description === '')
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it('gives the default of the timing values the reference healthcheck has', () => {
    const timing = (schema.properties as Record<string, Node>).defaults!;
    const keys = ((timing.properties as Record<string, Node>).timing!.properties ?? {}) as Record<
      string,
      Node
    >;
    expect(keys.interval!.default).toBe(5);
    expect(keys['fast-interval']!.default).toBe(1);
    expect(keys.timeout!.default).toBe(5);
    expect(keys.rise!.default).toBe(3);
    expect(keys.fall!.default).toBe(3);
  });

  it('has patterns for prefixes, communities and listen addresses', () => {
    const byPath = new Map(properties(schema));
    for (const path of [
      '.services[].routes.prefixes',
      '.services[].routes.community',
      '.services[].routes.disabled-community',
      '.metrics.listen',
    ]) {
      expect(byPath.has(path), path).toBe(true);
      expect(patterns(byPath.get(path)).length, path).toBeGreaterThan(0);
    }
  });

  it.each(readdirSync(join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')))(
    'examples/%s points the editor at the schema and is valid for ajv and check-config',
    async (file) => {
      const path = join(REPO_ROOT, 'examples', file);
      const text = readFileSync(path, 'utf8');
      expect(text.split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../schema/bgp-healthcheck.schema.json',
      );
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
      expect((await runOurs(['check-config', path])).code).toBe(0);
    },
  );

  it.each([
    ...Object.entries(BAD).map(([name, text]) => [name, text, false] as const),
    ...Object.entries(GOOD).map(([name, text]) => [name, text, true] as const),
  ])('%s: ajv and check-config agree', async (name, text, valid) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(valid);
    const checked = await runOurs(['check-config', path]);
    expect(checked.code, checked.stderr).toBe(valid ? 0 : 2);
  });
});
