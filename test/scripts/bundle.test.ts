// The bundle bin/bgp-healthcheck runs: every chunk loads under plain Node, and what one chunk
// imports from another, statically or on demand, is there and callable.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/healthcheck-process.js';

const BUNDLE = join(REPO_ROOT, 'dist/bundle');

/** Each chunk's exports as Node itself loads them: name -> typeof, and `default.KEY` -> typeof. */
type Exports = Record<string, string>;

function loadEveryChunk(files: readonly string[]): Record<string, Exports | { error: string }> {
  // A separate plain Node process: the test runner's own module loader must not stand in for Node's.
  const script = `
    const [dir, ...files] = process.argv.slice(1);
    const out = {};
    for (const file of files) {
      try {
        const module = await import(new URL(file, 'file://' + dir + '/').href);
        const types = {};
        for (const [name, value] of Object.entries(module)) types[name] = typeof value;
        if (module.default !== null && typeof module.default === 'object')
          for (const [key, value] of Object.entries(module.default)) types['default.' + key] = typeof value;
        out[file] = types;
      } catch (error) {
        out[file] = { error: String(error && error.stack || error) };
      }
    }
    process.stdout.write(JSON.stringify(out));`;
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', script, BUNDLE, ...files],
    { encoding: 'utf8', cwd: REPO_ROOT },
  );
  return JSON.parse(output) as Record<string, Exports | { error: string }>;
}

/** One name one chunk takes from another: `local` is what the importer calls it. */
interface Use {
  readonly importer: string;
  readonly from: string;
  readonly name: string;
  readonly local: string;
  readonly how: 'static' | 'dynamic';
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `a, b as c` (static) or `a, b: c` (destructuring) as [name, local] pairs. */
function bindings(list: string, separator: RegExp): [string, string][] {
  return list
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [name, local] = part.split(separator).map((piece) => piece.trim());
      return [name!, local ?? name!];
    });
}

/** What `importer` takes from each chunk it imports, or the places where that cannot be read. */
function usesIn(importer: string, code: string): { uses: Use[]; unreadable: string[] } {
  const uses: Use[] = [];
  const unreadable: string[] = [];
  for (const match of code.matchAll(/\bimport\s*\{([^}]*)\}\s*from\s*"\.\/([^"]+)"/g)) {
    for (const [name, local] of bindings(match[1]!, /\s+as\s+/)) {
      uses.push({ importer, from: match[2]!, name, local, how: 'static' });
    }
  }
  for (const match of code.matchAll(/\bimport\("\.\/([^"]+)"\)/g)) {
    const from = match[1]!;
    const at = escape(match[0]);
    const dynamic = (name: string, local = name): void =>
      void uses.push({ importer, from, name, local, how: 'dynamic' });
    const member = new RegExp(`\\(await ${at}\\)\\.([\\w$]+)`).exec(code);
    const destructured = new RegExp(`\\{([^{}]*)\\}\\s*=\\s*await ${at}`).exec(code);
    // `import(M).then((m) => m.name)`, or `m.name(...)` when the export is called there.
    const then = new RegExp(`${at}\\.then\\(\\(?([\\w$]+)\\)?\\s*=>\\s*\\1\\.([\\w$]+)[)(]`).exec(
      code,
    );
    const namespace = new RegExp(`(?:const|let|var)\\s+([\\w$]+)\\s*=[^;]*?await ${at}`).exec(code);
    if (member) dynamic(member[1]!);
    else if (destructured)
      for (const [name, local] of bindings(destructured[1]!, /:/)) dynamic(name, local);
    else if (then) dynamic(then[2]!);
    else if (namespace) {
      // The namespace's members, read up to the end of the top-level function that imports it.
      const end = code.indexOf('\n}', namespace.index);
      const scope = code.slice(namespace.index, end === -1 ? undefined : end);
      const members = new RegExp(`\\b${escape(namespace[1]!)}\\??\\.([\\w$]+)`, 'g');
      const names = new Set([...scope.matchAll(members)].map((use) => use[1]!));
      for (const name of names) dynamic(name);
    } else unreadable.push(`${importer}: ${match[0]}`);
  }
  return { uses, unreadable };
}

/** Whether `local` is called (or constructed) in `code`, as a function must be. */
const called = (code: string, local: string): boolean =>
  new RegExp(`(?<![\\w$.])${escape(local)}\\(`).test(code);

describe('the bundle in dist/bundle', () => {
  const files = readdirSync(BUNDLE).filter((file) => file.endsWith('.js'));
  const code = new Map(files.map((file) => [file, readFileSync(join(BUNDLE, file), 'utf8')]));
  const loaded = loadEveryChunk(files);
  const exportsOf = (file: string): Exports => {
    const result = loaded[file];
    if (result === undefined || 'error' in result) throw new Error(`${file} did not load`);
    return result;
  };
  const read = files.map((file) => usesIn(file, code.get(file)!));
  const uses = read.flatMap((result) => result.uses);

  it('has every chunk load under plain Node', () => {
    expect(files).toContain('main.js');
    const failed = Object.entries(loaded).filter(([, result]) => 'error' in result);
    expect(failed).toEqual([]);
    expect(exportsOf('main.js').main).toBe('function');
  });

  it('takes from each chunk only names it exports, and calls only functions', () => {
    expect(
      read.flatMap((result) => result.unreadable),
      'on-demand imports whose use cannot be read: write (await import(M)).name, ' +
        'const { name } = await import(M) or import(M).then((m) => m.name or m.name(...))',
    ).toEqual([]);
    // The reading above must have found something of each kind, or it proves nothing.
    expect(uses.some((use) => use.how === 'static')).toBe(true);
    expect(uses.some((use) => use.how === 'dynamic')).toBe(true);
    const wrong = uses.flatMap((use) => {
      const type = exportsOf(use.from)[use.name];
      const where = `${use.importer} takes ${use.name} from ${use.from} (${use.how})`;
      if (type === undefined || type === 'undefined') return [`${where}: not exported`];
      if (called(code.get(use.importer)!, use.local) && type !== 'function')
        return [`${where}: calls it, but it is a ${type}`];
      return [];
    });
    expect(wrong).toEqual([]);
  });

  it("gives the dns probe dns-packet's functions the way the probe reads them", () => {
    // dns-packet is CommonJS: its chunk (found by the module it wraps, not its hashed name)
    // exports module.exports as `default` and nothing else.
    const chunk = files.find((file) =>
      code.get(file)!.includes('"node_modules/dns-packet/index.js"'),
    );
    expect(chunk).toBeDefined();
    const exported = exportsOf(chunk!);
    expect(Object.keys(exported).filter((name) => !name.startsWith('default.'))).toEqual([
      'default',
    ]);
    expect(uses.filter((use) => use.from === chunk).map((use) => use.name)).toEqual(['default']);
    for (const name of ['encode', 'decode', 'streamEncode']) {
      expect(exported[`default.${name}`], name).toBe('function');
    }
    expect(exported['default.RECURSION_DESIRED']).toBe('number');
  });
});
