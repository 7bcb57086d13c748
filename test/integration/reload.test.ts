// Reload (SIGHUP, ctl reload): byte for byte, what stdout gets for unchanged, changed, added and removed services.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const dir = mkdtempSync(join(tmpdir(), 'bhc-reload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function service(name: string, prefix: string, extra = ''): string {
  return `  - name: ${name}
    routes:
      prefixes: [${prefix}]
      next-hop: 192.0.2.10
      ip-setup: false${extra}
    timing: { interval: 0.05, fast-interval: 0.05, rise: 1, fall: 1, debounce: true }
    checks:
      - type: command
        command: "true"
`;
}

const config = (services: string[]) => `services:\n${services.join('')}`;

describe('reloading the configuration', () => {
  it('writes nothing for unchanged services, only the differences for changed ones, and withdraws removed ones', async () => {
    const file = join(dir, 'services.yaml');
    writeFileSync(
      file,
      config([
        service('same', '198.51.100.1/32'),
        service('changed', '198.51.100.2/32', '\n      community: 65000:1'),
        service('removed', '198.51.100.3/32'),
      ]),
    );
    const run = runHealthcheck({
      impl: 'ours',
      args: ['--no-syslog', '--log-stderr', '--no-ack', '--config', file],
    });
    const seen = run.lines;
    await waitFor(() => (seen.length >= 3 ? true : undefined), 'the first announcements');
    expect([...seen].sort()).toEqual([
      'announce route 198.51.100.1/32 next-hop 192.0.2.10 med 100',
      'announce route 198.51.100.2/32 next-hop 192.0.2.10 med 100 community [ 65000:1 ]',
      'announce route 198.51.100.3/32 next-hop 192.0.2.10 med 100',
    ]);

    // An invalid file is refused: the old config keeps running and stdout gets nothing.
    writeFileSync(file, 'services:\n  - name: broken\n    routes: { prefixes: [not-an-ip] }\n');
    run.proc.kill('SIGHUP');
    await waitFor(
      () => (run.stderrSoFar().includes('reload: ') ? true : undefined),
      'the invalid reload to be refused',
    );
    expect(run.stderrSoFar()).toMatch(/reload: .*services\[0\]\.routes\.prefixes\[0\]/);
    expect(seen).toHaveLength(3);

    writeFileSync(
      file,
      config([
        service('same', '198.51.100.1/32'),
        service('changed', '198.51.100.2/32', '\n      community: 65000:2'),
        service('added', '198.51.100.4/32'),
      ]),
    );
    run.proc.kill('SIGHUP');
    await waitFor(() => (seen.length >= 6 ? true : undefined), 'the reload lines');
    expect(seen.slice(3).sort()).toEqual([
      'announce route 198.51.100.2/32 next-hop 192.0.2.10 med 100 community [ 65000:2 ]',
      'announce route 198.51.100.4/32 next-hop 192.0.2.10 med 100',
      'withdraw route 198.51.100.3/32 next-hop 192.0.2.10',
    ]);
    expect(seen.filter((l) => l.includes('198.51.100.1/32'))).toHaveLength(1);

    run.proc.kill('SIGTERM');
    const result = await run;
    expect(result.code).toBe(0);
  });
});
