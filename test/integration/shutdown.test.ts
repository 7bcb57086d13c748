// How the process stops: every withdrawal at once, no drain when ExaBGP is leaving, none that favours a dead server, a broken pipe told.
import { describe, expect, it } from 'vitest';
import { runHealthcheck, waitFor } from '../support/healthcheck-process.js';

const PREFIXES = Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 10}/32`);

const BASE = ['--no-syslog', '--log-stderr', '--no-ip-setup', '--rise', '1', '--fall', '1'];

const ipArgs = (prefixes: readonly string[]) => prefixes.flatMap((p) => ['--ip', p]);

/** Resolves with the exit, or undefined while the process runs (for bounded polling). */
function exited(run: ReturnType<typeof runHealthcheck>): () => true | undefined {
  return () => (run.proc.exitCode !== null || run.proc.signalCode !== null ? true : undefined);
}

describe('stopping', () => {
  it('writes every withdrawal at once and exits within one deadline when ExaBGP stops acking', async () => {
    let acking = true;
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [...BASE, ...ipArgs(PREFIXES), '--cmd', 'true', '--interval', '60'],
        ack: false,
        timeoutMs: 30_000,
      },
      {
        onLine: (_line, index, proc) => {
          if (acking) proc.stdin.write('done\n');
          if (index === PREFIXES.length - 1) {
            acking = false;
            proc.kill('SIGTERM');
          }
        },
      },
    );
    // One ack timeout per line would take 2 s a line, 20 s for ten.
    await waitFor(exited(run), 'the process to exit', 6000);
    const outcome = await run;
    expect(outcome.code).toBe(0);
    expect(outcome.lines.slice(PREFIXES.length)).toEqual(
      PREFIXES.map((p) => `withdraw route ${p} next-hop self`),
    );
    expect(outcome.stderr).toMatch(/no answer from ExaBGP within 2 s for 10 of 10 lines/);
  });

  it('skips the drain and exits at once when ExaBGP says it is shutting down', async () => {
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [...BASE, ...ipArgs(PREFIXES.slice(0, 2)), '--cmd', 'true', '--drain-time', '60'],
        timeoutMs: 30_000,
      },
      {
        onLine: (_line, index, proc) => {
          if (index !== 1) return;
          // What ExaBGP's text encoder writes to its processes before it stops them.
          proc.stdin.write('shutdown 4242 1\n');
          setImmediate(() => proc.kill('SIGTERM'));
        },
      },
    );
    await waitFor(exited(run), 'the process to exit', 6000);
    const outcome = await run;
    expect(outcome.code).toBe(0);
    expect(outcome.lines.filter((l) => l.includes('med 500'))).toEqual([]);
    expect(outcome.lines.slice(-2)).toEqual([
      'withdraw route 198.51.100.10/32 next-hop self',
      'withdraw route 198.51.100.11/32 next-hop self',
    ]);
    expect(outcome.stderr).toContain('ExaBGP is going away');
  });

  it('never drains a DOWN service towards better attributes on SIGTERM', async () => {
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [...BASE, '--ip', PREFIXES[0]!, '--cmd', 'false', '--drain-time', '60'],
        timeoutMs: 30_000,
      },
      {
        onLine: (line, _index, proc) => {
          if (line.includes('med 1000')) proc.kill('SIGTERM');
        },
      },
    );
    await waitFor(exited(run), 'the process to exit', 6000);
    const outcome = await run;
    const afterDown = outcome.lines.slice(outcome.lines.findIndex((l) => l.includes('med 1000')));
    expect(afterDown.filter((l) => l.includes('med 500'))).toEqual([]);
    expect(afterDown.at(-1)).toBe('withdraw route 198.51.100.10/32 next-hop self');
    expect(outcome.stderr).not.toContain('draining for');
  });

  it('drains an UP service with the disabled attributes for the drain time, then withdraws', async () => {
    let termAt = -1;
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [...BASE, '--ip', PREFIXES[0]!, '--cmd', 'true', '--drain-time', '1'],
        timeoutMs: 30_000,
      },
      {
        onLine: (line, index, proc) => {
          if (termAt === -1 && line.includes('med 100')) {
            termAt = index;
            proc.kill('SIGTERM');
          }
        },
      },
    );
    const outcome = await run;
    expect(outcome.code).toBe(0);
    expect(outcome.lines.slice(termAt + 1)).toEqual([
      'announce route 198.51.100.10/32 next-hop self med 500',
      'withdraw route 198.51.100.10/32 next-hop self',
    ]);
  });

  it('says why and exits 1 when stdout breaks', async () => {
    const run = runHealthcheck(
      {
        impl: 'ours',
        args: [...BASE, '--ip', PREFIXES[0]!, '--cmd', 'true', '--interval', '0.05'],
        timeoutMs: 30_000,
      },
      {
        onLine: (_line, index, proc) => {
          // ExaBGP's end of the pipe closes: the next write fails with EPIPE.
          if (index === 0) proc.stdout.destroy();
        },
      },
    );
    const outcome = await run;
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/cannot write to ExaBGP \(EPIPE\)/);
    expect(outcome.stderr).toMatch(/exiting with status 1/);
  });
});
