// Summarises a V8 .cpuprofile (from `node --cpu-prof`): where the self time goes, by function and by source file.
//
// Usage: node bench/profile-summary.js FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';
import process from 'node:process';

const [file, topText] = process.argv.slice(2);
if (!file) {
  process.stderr.write('Usage: node bench/profile-summary.js FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const top = Number(topText ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: each sample names the node running then; timeDeltas are the gaps between samples.
const selfUs = new Map();
profile.samples.forEach((id, index) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfUs.values()].reduce((sum, us) => sum + us, 0);

const byFunction = new Map();
const byFile = new Map();
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
const shortUrl = (url) =>
  url
    .replace(/^file:\/\/.*\/node_modules\//, 'node_modules/')
    .replace(/^file:\/\/.*\/(dist|src|bench)\//, '$1/');
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const frame = node.callFrame;
  const where = frame.url ? shortUrl(frame.url) : `(${frame.functionName || 'native'})`;
  add(byFunction, `${frame.functionName || '(anonymous)'}  ${where}:${frame.lineNumber + 1}`, us);
  add(byFile, where, us);
}

function print(title, map) {
  process.stdout.write(`\n${title}\n`);
  const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [key, us] of rows) {
    process.stdout.write(
      `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}\n`,
    );
  }
}

process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
print('Self time by function', byFunction);
print('Self time by file', byFile);
