import { describe, expect, it } from 'vitest';
import { IniReader } from '../../src/config/ini.js';
import { configErrorOf } from '../support/config-error.js';

function read(...sources: [string, string][]) {
  const reader = new IniReader();
  for (const [file, text] of sources) reader.read(file, text);
  return reader;
}

function values(reader: IniReader, section: string): Record<string, string> {
  const found = reader.result().find((s) => s.name === section);
  return Object.fromEntries([...(found?.values.values() ?? [])].map((v) => [v.key, v.value]));
}

describe('INI files as configparser reads them', () => {
  it('reads key = value and key: value, lower-cases keys and keeps a ; or # after a value', () => {
    const reader = read(['a.conf', '[s]\nCheck_Cmd = curl x ; y # z\nip_prefix: 10.0.0.1\n']);
    expect(values(reader, 's')).toEqual({ check_cmd: 'curl x ; y # z', ip_prefix: '10.0.0.1' });
  });

  it('skips whole-line # and ; comments and blank lines', () => {
    const reader = read(['a.conf', '# top\n[s]\n; one\n  # two\n\nk = v\n']);
    expect(values(reader, 's')).toEqual({ k: 'v' });
  });

  it('joins more-indented lines to the value with newlines, blank lines inside kept', () => {
    const reader = read(['a.conf', '[s]\nk = one\n  two\n\n    three\n\nj = x\n']);
    expect(values(reader, 's')).toEqual({ k: 'one\ntwo\n\nthree', j: 'x' });
  });

  it('gives every section the DEFAULT keys, its own winning', () => {
    const reader = read(['a.conf', '[DEFAULT]\na = 1\nb = 2\n[s]\nb = 3\n']);
    expect(values(reader, 's')).toEqual({ a: '1', b: '3' });
    expect(reader.result().map((s) => s.name)).toEqual(['s']);
  });

  it('interpolates %(name)s from the section and DEFAULT, recursively, and %% as a percent', () => {
    const reader = read([
      'a.conf',
      '[DEFAULT]\nbin = /usr/bin\n[s]\ncurl = %(bin)s/curl\nk = %(CURL)s -w 100%%\n',
    ]);
    expect(values(reader, 's')['k']).toBe('/usr/bin/curl -w 100%');
  });

  it('lets a later file add to and override a section, DEFAULT shared between files', () => {
    const reader = read(['a.conf', '[DEFAULT]\nx = 1\n[s]\nk = a\n'], ['b.conf', '[s]\nk = b\n']);
    expect(values(reader, 's')).toEqual({ x: '1', k: 'b' });
    expect(reader.result()[0]?.values.get('k')).toMatchObject({ file: 'b.conf', line: 2 });
  });

  it('refuses, naming file and line: a key before a section, a line without = or :, duplicates', () => {
    expect(configErrorOf(() => read(['a.conf', '\nk = v\n']))).toBe(
      'a.conf:2: k = v: a setting before any [section] header',
    );
    expect(configErrorOf(() => read(['a.conf', '[s]\njust words\n']))).toBe(
      "a.conf:2: just words: expected 'key = value' or a [section]",
    );
    expect(configErrorOf(() => read(['a.conf', '[s]\n[t]\n[s]\n']))).toBe(
      'a.conf:3: [s]: this section appears twice in the file',
    );
    expect(configErrorOf(() => read(['a.conf', '[s]\nk = 1\nK = 2\n']))).toBe(
      'a.conf:3: k: set twice in [s]',
    );
  });

  it('refuses a bad % and a reference to an unknown key, naming the line of the value', () => {
    expect(configErrorOf(() => read(['a.conf', '[s]\n\nk = 50%\n']).result())).toMatch(
      /^a\.conf:3: k: '%' must be followed/,
    );
    expect(configErrorOf(() => read(['a.conf', '[s]\nk = %(nope)s\n']).result())).toBe(
      'a.conf:2: k: %(nope)s names no key of this section or DEFAULT',
    );
    expect(configErrorOf(() => read(['a.conf', '[s]\na = %(b)s\nb = %(a)s\n']).result())).toMatch(
      /^a\.conf:2: a: %\(\.\.\.\)s references nest deeper than 10/,
    );
  });
});
