// Reads INI files as Python's configparser does by default, keeping the line of every value.
//
// Handled: `[section]` headers, `key = value` and `key: value` (keys lower-cased), whole-line
// `#` and `;` comments (a `;` or `#` after a value is part of it, as in configparser), values
// continued on more-indented lines (joined with a newline), the `DEFAULT` section whose keys every
// section inherits, `%(name)s` interpolation and `%%`, and several files read into one set of
// sections (a later file overrides). Refused with the file and line: a key before any section, a
// key without `=` or `:`, a section or key given twice in one file, a bad `%` and a reference to an
// unknown key.
import { ConfigError } from './errors.js';

export interface IniValue {
  readonly key: string;
  /** The value after interpolation. */
  readonly value: string;
  /** The value as written. */
  readonly raw: string;
  readonly file: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** Own keys and the inherited DEFAULT ones, interpolated, in the order first seen. */
  readonly values: ReadonlyMap<string, IniValue>;
  /** The keys written in this section itself (not inherited). */
  readonly own: ReadonlySet<string>;
}

interface RawSection {
  name: string;
  file: string;
  line: number;
  values: Map<string, Omit<IniValue, 'value'>>;
}

const DEFAULT_SECTION = 'DEFAULT';
const MAX_DEPTH = 10;

function iniError(file: string, line: number, path: string, message: string): ConfigError {
  return new ConfigError([{ file, line, path, message }]);
}

/** Reads INI sources in order into one set of raw sections; DEFAULT is held apart. */
export class IniReader {
  private readonly sections = new Map<string, RawSection>();
  private readonly defaults: RawSection = {
    name: DEFAULT_SECTION,
    file: '',
    line: 0,
    values: new Map(),
  };

  read(file: string, text: string): void {
    const seenSections = new Set<string>();
    let current: RawSection | null = null;
    let seenKeys = new Set<string>();
    let key: string | null = null;
    let keyIndent = 0;
    let blank = 0;
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, index) => {
      const lineNo = index + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
        // configparser keeps blank lines inside a value when more of it follows, and skips comments.
        if (trimmed === '') blank += 1;
        return;
      }
      const indent = raw.length - raw.trimStart().length;
      if (current !== null && key !== null && indent > keyIndent) {
        const entry = current.values.get(key);
        if (entry !== undefined) {
          const gap = '\n'.repeat(blank);
          current.values.set(key, { ...entry, raw: `${entry.raw}${gap}\n${trimmed}` });
        }
        blank = 0;
        return;
      }
      blank = 0;
      const header = /^\[(.+)\]$/.exec(trimmed);
      if (header) {
        const name = header[1] ?? '';
        if (seenSections.has(name))
          throw iniError(file, lineNo, `[${name}]`, 'this section appears twice in the file');
        seenSections.add(name);
        seenKeys = new Set();
        key = null;
        if (name === DEFAULT_SECTION) {
          current = this.defaults;
        } else {
          current = this.sections.get(name) ?? { name, file, line: lineNo, values: new Map() };
          this.sections.set(name, current);
        }
        return;
      }
      if (current === null)
        throw iniError(file, lineNo, trimmed, 'a setting before any [section] header');
      const match = /^([^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
      if (!match || match[1] === '')
        throw iniError(file, lineNo, trimmed, "expected 'key = value' or a [section]");
      const name = (match[1] ?? '').toLowerCase();
      if (seenKeys.has(name)) throw iniError(file, lineNo, name, `set twice in [${current.name}]`);
      seenKeys.add(name);
      current.values.set(name, { key: name, raw: match[2] ?? '', file, line: lineNo });
      key = name;
      keyIndent = indent;
    });
  }

  /** The sections other than DEFAULT, in the order first seen, each with DEFAULT's keys and interpolated. */
  result(): IniSection[] {
    return [...this.sections.values()].map((section) => {
      const merged = new Map([...this.defaults.values, ...section.values]);
      const values = new Map<string, IniValue>();
      for (const [name, entry] of merged) {
        values.set(name, { ...entry, value: interpolate(entry, merged, 1) });
      }
      return {
        name: section.name,
        file: section.file,
        line: section.line,
        values,
        own: new Set(section.values.keys()),
      };
    });
  }

  /** The DEFAULT section's own keys, interpolated. */
  defaultValues(): ReadonlyMap<string, IniValue> {
    const values = new Map<string, IniValue>();
    for (const [name, entry] of this.defaults.values) {
      values.set(name, { ...entry, value: interpolate(entry, this.defaults.values, 1) });
    }
    return values;
  }
}

function interpolate(
  entry: Omit<IniValue, 'value'>,
  scope: ReadonlyMap<string, Omit<IniValue, 'value'>>,
  depth: number,
): string {
  if (depth > MAX_DEPTH)
    throw iniError(
      entry.file,
      entry.line,
      entry.key,
      `%(...)s references nest deeper than ${MAX_DEPTH}`,
    );
  let out = '';
  const raw = entry.raw;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char !== '%') {
      out += char;
      continue;
    }
    const next = raw[i + 1];
    if (next === '%') {
      out += '%';
      i += 1;
      continue;
    }
    const reference = /^%\(([^)]+)\)s/.exec(raw.slice(i));
    if (!reference) {
      throw iniError(
        entry.file,
        entry.line,
        entry.key,
        `'%' must be followed by '%' or '(name)s' (write %% for a percent sign)`,
      );
    }
    const name = (reference[1] ?? '').toLowerCase();
    const target = scope.get(name);
    if (target === undefined)
      throw iniError(
        entry.file,
        entry.line,
        entry.key,
        `%(${name})s names no key of this section or DEFAULT`,
      );
    out += interpolate(
      { ...target, key: entry.key, file: entry.file, line: entry.line },
      scope,
      depth + 1,
    );
    i += reference[0].length - 1;
  }
  return out;
}
