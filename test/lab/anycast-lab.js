#!/usr/bin/env node
// Runs the anycast failover lab by hand and prints the measured failover times as a table.
// Usage (as root, from the repository, after `npm run build`):
//   node test/lab/anycast-lab.js [--reference] [--speaker exabgp|bird|gobgp|frr] [--runs N] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const implementation = args.includes('--reference') ? 'reference' : 'ours';
const speakerAt = args.indexOf('--speaker');
const speaker = speakerAt >= 0 ? args[speakerAt + 1] : 'exabgp';
// Each speaker is one starter in test/lab/anycast.ts; the reference healthcheck speaks only to ExaBGP.
if (
  !['exabgp', 'bird', 'gobgp', 'frr'].includes(speaker ?? '') ||
  (speaker !== 'exabgp' && implementation === 'reference')
) {
  process.stderr.write(
    'anycast-lab: --speaker takes exabgp, bird, gobgp or frr (only exabgp with --reference)\n',
  );
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 1;
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('anycast-lab: --runs takes a positive integer\n');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), `bgphc-lab-report-${process.pid}-`));
const reports = [];
try {
  for (let run = 1; run <= runs; run++) {
    const reportFile = join(dir, `run-${run}.json`);
    // The lab is the vitest test itself, so the script and CI measure exactly the same thing.
    const result = spawnSync(
      join(repo, 'node_modules', '.bin', 'vitest'),
      ['run', 'test/lab/anycast.test.ts', '--reporter=dot'],
      {
        cwd: repo,
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          ANYCAST_LAB_REPORT: reportFile,
          BGP_HC_E2E_IMPL: implementation,
          ANYCAST_LAB_SPEAKER: speaker,
          REQUIRE_E2E: '1',
        },
      },
    );
    if (result.status !== 0) {
      process.stderr.write(
        `anycast-lab: run ${run} failed (exit ${result.status ?? result.signal})\n`,
      );
      process.exit(1);
    }
    reports.push(JSON.parse(readFileSync(reportFile, 'utf8')));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const first = reports[0];
const t = first.timing;
process.stdout.write(
  `\nanycast lab, ${implementation} healthcheck, speaker ${speaker}, load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}: interval ${t.interval} s, fast-interval ${t.fastInterval} s, ` +
    `timeout ${t.timeout} s, rise ${t.rise}, fall ${t.fall}; ${runs} run(s)\n\n`,
);
/** "min / median / max" of a list of milliseconds (values missing from a run are left out). */
const spread = (values) => {
  const sorted = values.filter((value) => typeof value === 'number').sort((x, y) => x - y);
  if (sorted.length === 0) return '?';
  const median = sorted[Math.floor(sorted.length / 2)];
  return `${sorted[0]} / ${median} / ${sorted[sorted.length - 1]} ms`;
};
const rows = first.events.map((event, index) => [
  event.name,
  spread(reports.map((report) => report.events[index].decidedMs)),
  spread(reports.map((report) => report.events[index].measuredMs)),
  `${event.boundMs} ms`,
  event.pathsAfter.join(', '),
  event.bestAfter,
]);
const header = [
  'event',
  'healthcheck decided (min / median / max)',
  'router saw it (min / median / max)',
  'bound',
  'router holds',
  'best',
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => '| ' + cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ') + ' |';
process.stdout.write(
  [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n',
);
if (args.includes('--json')) process.stdout.write(JSON.stringify(reports) + '\n');
