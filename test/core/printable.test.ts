// One rule for service names (YAML and --name) and for control characters in text shown back.
import { describe, expect, it } from 'vitest';
import { InvalidValueError } from '../../src/core/errors.js';
import { controlCharacterIn, parseServiceName } from '../../src/core/printable.js';

describe('parseServiceName', () => {
  it.each(['web', 'a', 'web frontend', 'café', 'x'.repeat(128), 'dns-1.example'])(
    'accepts %j',
    (name) => {
      expect(parseServiceName(name)).toBe(name);
    },
  );

  it.each([
    ['', "got ''"],
    [' web', "got ' web'"],
    ['web ', "got 'web '"],
    ['x'.repeat(129), 'got 129 characters'],
    ['a\u0000b', 'U+0000'],
    ['a\tb', 'U+0009'],
    ['a\nb', 'U+000A'],
    ['a\u001bb', 'U+001B'],
    ['a\u007fb', 'U+007F'],
    ['a\u0085b', 'U+0085'],
    ['a\u009bb', 'U+009B'],
    ['a\u2028b', 'U+2028'],
    ['a\u2029b', 'U+2029'],
  ])('refuses %j, saying what a name may hold (%s)', (name, got) => {
    expect(() => parseServiceName(name)).toThrow(InvalidValueError);
    expect(() => parseServiceName(name)).toThrow(
      /^expected a name of 1 to 128 characters without control characters or line breaks/,
    );
    expect(() => parseServiceName(name)).toThrow(got);
  });
});

describe('controlCharacterIn', () => {
  it('names the first control or line-breaking character, or none', () => {
    expect(controlCharacterIn('kernel upgrade, café')).toBeNull();
    expect(controlCharacterIn('a\u0085b\u2028')).toBe('U+0085');
    expect(controlCharacterIn('line\u2029')).toBe('U+2029');
  });
});
