// An argv parser with argparse's rules, so every command line the reference accepts means the same here.
import { didYouMean } from './did-you-mean.js';
import { OPTION_SPECS, type OptionSpec } from './options.js';

/** Where a token came from: the command line, or a line of a config file. */
export type Origin =
  | { readonly kind: 'argv' }
  | { readonly kind: 'file'; readonly file: string; readonly line: number };

export interface Token {
  readonly text: string;
  readonly origin: Origin;
}

export interface Occurrence {
  readonly spec: OptionSpec;
  /** The spelling used, as the user wrote it (`--int`, `-i`). */
  readonly spelling: string;
  /** The value, or null for a flag. */
  readonly value: string | null;
  readonly origin: Origin;
  /** An optional-value option given bare: argparse does not count it in an exclusive group. */
  readonly implicit?: boolean;
}

export class ArgvError extends Error {
  override readonly name = 'ArgvError';
  constructor(
    message: string,
    readonly origin: Origin,
  ) {
    super(message);
  }
}

export function describeOrigin(origin: Origin): string {
  return origin.kind === 'file' ? `${origin.file}, line ${origin.line}` : 'command line';
}

const byLong = new Map<string, OptionSpec>();
const byShort = new Map<string, OptionSpec>();
for (const spec of OPTION_SPECS) {
  for (const s of spec.long) byLong.set(s, spec);
  for (const s of spec.short) byShort.set(s, spec);
}

const NEGATIVE_NUMBER = /^-\d+$|^-\d*\.\d+$/;

/** Whether argparse would read this token as an option rather than as a value. */
function looksLikeOption(text: string): boolean {
  if (!text.startsWith('-') || text === '-') return false;
  if (NEGATIVE_NUMBER.test(text)) return false;
  if (text.includes(' ') && !byLong.has(text.split('=')[0]!) && !byShort.has(text)) return false;
  return true;
}

interface Match {
  spec: OptionSpec;
  spelling: string;
  explicit: string | null;
}

function matchLong(text: string, origin: Origin): Match {
  const eq = text.indexOf('=');
  const name = eq === -1 ? text : text.slice(0, eq);
  const explicit = eq === -1 ? null : text.slice(eq + 1);
  const exact = byLong.get(name);
  if (exact) return { spec: exact, spelling: name, explicit };
  const candidates = [...byLong.keys()].filter((l) => l.startsWith(name));
  if (candidates.length === 0)
    throw new ArgvError(`unrecognized option: ${name}${didYouMean(name, byLong.keys())}`, origin);
  // A prefix that names one option of 4.2 keeps meaning it, whatever options were added since:
  // an operator's existing command line (`--deb`, `--a 65001`) must not break.
  const reference = candidates.filter((l) => !byLong.get(l)!.addedIn);
  for (const among of [candidates, reference]) {
    if (new Set(among.map((l) => byLong.get(l))).size === 1) {
      return { spec: byLong.get(among[0]!)!, spelling: among[0]!, explicit };
    }
  }
  throw new ArgvError(`ambiguous option: ${name} could match ${candidates.join(', ')}`, origin);
}

function matchShort(text: string, origin: Origin): Match {
  const eq = text.indexOf('=');
  if (eq !== -1 && byShort.has(text.slice(0, eq))) {
    return {
      spec: byShort.get(text.slice(0, eq))!,
      spelling: text.slice(0, eq),
      explicit: text.slice(eq + 1),
    };
  }
  const exact = byShort.get(text);
  if (exact) return { spec: exact, spelling: text, explicit: null };
  const prefix = text.slice(0, 2);
  const spec = byShort.get(prefix);
  if (spec) return { spec, spelling: prefix, explicit: text.slice(2) };
  throw new ArgvError(`unrecognized option: ${text}`, origin);
}

/** Splits tokens into option occurrences, in order; values are still raw text. */
export function tokenize(tokens: readonly Token[]): Occurrence[] {
  const out: Occurrence[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const { text, origin } = tokens[i]!;
    if (text === '--') {
      // With no positional arguments, argparse leaves `--` and what follows as unrecognized.
      const rest = tokens
        .slice(i)
        .map((t) => t.text)
        .join(' ');
      throw new ArgvError(`unrecognized arguments: ${rest}`, origin);
    }
    if (!looksLikeOption(text)) throw new ArgvError(`unrecognized arguments: ${text}`, origin);
    let match = text.startsWith('--') ? matchLong(text, origin) : matchShort(text, origin);
    // Combined short flags (`-sd`): a flag's explicit text names the next short option.
    for (;;) {
      const { spec, spelling, explicit } = match;
      if (spec.kind === 'flag') {
        out.push({ spec, spelling, value: null, origin });
        if (explicit === null || explicit === '') break;
        if (text.startsWith('--')) {
          throw new ArgvError(
            `argument ${spelling}: ignored explicit argument '${explicit}'`,
            origin,
          );
        }
        const next = byShort.get(`-${explicit[0]}`);
        if (!next)
          throw new ArgvError(
            `argument ${spelling}: ignored explicit argument '${explicit}'`,
            origin,
          );
        match = {
          spec: next,
          spelling: `-${explicit[0]}`,
          explicit: explicit.slice(1) === '' ? null : explicit.slice(1),
        };
        continue;
      }
      if (explicit !== null) {
        out.push({ spec, spelling, value: explicit, origin });
        break;
      }
      const next = tokens[i + 1];
      if (next && !looksLikeOption(next.text) && next.text !== '--') {
        out.push({ spec, spelling, value: next.text, origin: next.origin });
        i++;
      } else if (spec.kind === 'optional-value') {
        out.push({ spec, spelling, value: spec.const ?? null, origin, implicit: true });
      } else {
        throw new ArgvError(`argument ${spelling}: expected one argument`, origin);
      }
      break;
    }
  }
  return out;
}

/** The reference's config file: each line `--` + line, split at the first `=`, both halves trimmed. */
export function configFileTokens(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const origin: Origin = { kind: 'file', file, line: index + 1 };
    const full = `--${line}`;
    const eq = full.indexOf('=');
    if (eq === -1) tokens.push({ text: full.trim(), origin });
    else {
      tokens.push({ text: full.slice(0, eq).trim(), origin });
      tokens.push({ text: full.slice(eq + 1).trim(), origin });
    }
  });
  return tokens;
}

export const argvTokens = (argv: readonly string[]): Token[] =>
  argv.map((text) => ({ text, origin: { kind: 'argv' } }));

/** Options not given together, as argparse's mutually exclusive group. */
export function checkExclusive(occurrences: readonly Occurrence[]): void {
  const seen = new Map<string, Occurrence>();
  for (const occ of occurrences) {
    const group = occ.spec.exclusive;
    // argparse skips a value that is its default object, which a bare --syslog-facility yields.
    if (!group || occ.implicit) continue;
    const first = seen.get(group);
    if (first && first.spec !== occ.spec) {
      throw new ArgvError(
        `argument ${occ.spec.long[0]}: not allowed with argument ${first.spec.long[0]}`,
        occ.origin,
      );
    }
    seen.set(group, occ);
  }
}
