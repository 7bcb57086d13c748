// The floor of any Node implementation of the drop-in mode: a process that does nothing but run a
// shell command every interval (as the drop-in mode runs its `--cmd`, through `/bin/sh -c`, in
// its own process group, stdout and stderr read) and print a route line when it exits 0. Its CPU
// and memory are what Node itself costs for the drop-in mode's work, before any checking.
//
// Usage: node [FLAGS] bench/node-floor.js ADDRESS COMMAND [INTERVAL_S]
//        node [FLAGS] bench/node-floor.js --idle      (only waits: Node's memory at rest)
// Exits when its stdin closes, as ours does.
import { spawn } from 'node:child_process';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const [address, command, intervalS = '1'] = process.argv.slice(2);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

if (address !== '--idle') {
  const line = `announce route ${address}/32 next-hop self med 100\n`;
  const check = () => {
    const child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.once('close', (code) => {
      if (code === 0) process.stdout.write(line);
      setTimeout(check, Number(intervalS) * 1000);
    });
  };
  check();
}
