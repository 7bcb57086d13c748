// What starting a command costs, and its floor: a shell that forks and execs `sh -c 'exit 0'` in a
// loop, next to a Node process doing the same through child_process.spawn with piped output (what
// the command check does), at a few sizes of the Node process, since fork copies the page tables
// of the whole address space. CPU per command, of the parent and of the child, from /proc.
// Usage: node bench/spawn-floor.js [--runs N] [--ballast MB,MB,...]
import { spawn, spawnSync } from 'node:child_process';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { Buffer } from 'node:buffer';
import { URL, fileURLToPath } from 'node:url';
import { binNodeFlags, loadAverage, readCpu } from './proc.js';

const BIN = fileURLToPath(new URL('../bin/bgp-healthcheck', import.meta.url));

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    ballast: { type: 'string', default: '0,64,128' },
    child: { type: 'string' },
  },
});
const runs = Number(opts.runs);

if (opts.child !== undefined) {
  // One spawn after another, as a service's check: the cost per command, not a burst's.
  const keep = [];
  for (let i = 0; i < Number(opts.child); i++) keep.push(Buffer.alloc(1 << 20, 1));
  const before = readCpu(process.pid);
  let left = runs;
  const next = () => {
    if (left-- === 0) {
      const after = readCpu(process.pid);
      const rss = process.memoryUsage().rss;
      process.stdout.write(
        JSON.stringify({
          parent: after.user + after.system - before.user - before.system,
          children: after.children - before.children,
          rss,
          kept: keep.length,
        }),
      );
      return;
    }
    const child = spawn('/bin/sh', ['-c', 'exit 0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('close', next);
  };
  next();
} else {
  const ms = (seconds) => ((seconds * 1000) / runs).toFixed(2);
  const rows = [];
  const before = readCpu(process.pid).children;
  spawnSync('/bin/sh', [
    '-c',
    `i=0; while [ $i -lt ${runs} ]; do /bin/sh -c 'exit 0'; i=$((i+1)); done`,
  ]);
  const shell = readCpu(process.pid).children - before;
  rows.push(`| a shell loop (the floor) | ~2 MB | ${ms(shell)} | - | ${ms(shell)} |`);
  for (const mb of opts.ballast.split(',').map(Number)) {
    const run = spawnSync(
      process.execPath,
      [
        ...binNodeFlags(BIN),
        fileURLToPath(import.meta.url),
        '--runs',
        String(runs),
        '--child',
        String(mb),
      ],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(run.stdout);
    rows.push(
      `| node spawn, pipes, ${mb} MB kept | ${(r.rss / 1e6).toFixed(0)} MB | ${ms(r.parent)} | ${ms(r.children)} | ${ms(r.parent + r.children)} |`,
    );
  }
  process.stdout.write(
    [
      `spawn floor: ${runs} runs of sh -c 'exit 0' each, one after another; load ${loadAverage()}`,
      '| who starts it | its RSS | parent ms/command | child ms/command | total ms/command |',
      '| --- | --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n'),
  );
}
