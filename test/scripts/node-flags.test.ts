// The node flags the program runs under: the bin's `#!` line and the single executable's
// configuration must agree, and both expose the collector that runs once a services file is parsed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the node flags', () => {
  const bin = (/^#!\S*env -S node (.*)$/m.exec(read('bin/bgp-healthcheck'))?.[1] ?? '').split(' ');
  const release = [
    ...(/const NODE_FLAGS = \[([^\]]*)\]/.exec(read('scripts/release.js'))?.[1] ?? '').matchAll(
      /'([^']+)'/g,
    ),
  ].map((match) => match[1]);

  it('are the same for the bin and the single executable, with the collector exposed', () => {
    expect(bin).toContain('--expose-gc');
    expect(release).toEqual(bin);
  });
});
