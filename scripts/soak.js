// `npm run soak -- [--minutes N] [--services N] [--seed N]`: runs the soak (test/soak/) once, with
// its progress and its summary line on stdout. Defaults: 2 minutes, 200 services, seed 16.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

const USAGE = 'usage: npm run soak -- [--minutes N] [--services N] [--seed N]';
const root = fileURLToPath(new URL('..', import.meta.url));
const limits = { minutes: [0.1, 24 * 60], services: [3, 5000], seed: [0, 2 ** 32 - 1] };
const values = { minutes: '2', services: '200', seed: '16' };

function fail(message) {
  process.stderr.write(`soak: ${message}\n${USAGE}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const match = /^--(minutes|services|seed)(?:=(.*))?$/.exec(arg);
  if (!match) fail(`unknown argument '${arg}'`);
  const name = match[1];
  const value = match[2] ?? args[++i];
  if (value === undefined) fail(`--${name} needs a value`);
  const number = Number(value);
  const [min, max] = limits[name];
  if (!/^\d+(\.\d+)?$/.test(value) || number < min || number > max)
    fail(`--${name} expects a number from ${min} to ${max}, got '${value}'`);
  if (name !== 'minutes' && !Number.isInteger(number)) fail(`--${name} expects a whole number`);
  values[name] = value;
}

const result = spawnSync(
  process.execPath,
  [`${root}node_modules/vitest/vitest.mjs`, 'run', 'test/soak/soak.test.ts'],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      BGP_HC_SOAK: '1',
      SOAK_MINUTES: values.minutes,
      SOAK_SERVICES: values.services,
      SOAK_SEED: values.seed,
    },
  },
);
process.exit(result.status ?? 1);
