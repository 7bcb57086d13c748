// End-to-end with ExaBGP 5: Debian 12 has only 4.2, so this tier runs when EXABGP5 names a command
// that, followed by a config file, starts a 5.x (`/opt/exabgp5/bin/exabgp`, say). Without it the
// tier is skipped with its reason, also under REQUIRE_E2E=1: CI machines have no 5.x to run.
import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { implementationMissing } from './harness/healthcheck.js';
import { describeWhen } from './harness/tools.js';
import { defineGobgpScenarios } from './scenarios.js';

const command = (process.env.EXABGP5 ?? '').split(/\s+/).filter(Boolean);

/** Why the EXABGP5 command is not a 5.x that runs here, or undefined. */
function exabgp5Missing(): string | undefined {
  const [exabgp, ...args] = command;
  if (exabgp === undefined) return 'EXABGP5 (a command that starts ExaBGP 5.x) is not set';
  const shown = spawnSync(exabgp, [...args, '--version'], { encoding: 'utf8', timeout: 20_000 });
  const text = `${shown.stdout ?? ''}${shown.stderr ?? ''}`;
  return /\b5\.\d+\.\d+/.test(text)
    ? undefined
    : `EXABGP5="${process.env.EXABGP5}" does not report a 5.x version (${shown.error?.message ?? text.trim().slice(0, 80)})`;
}

const missing = exabgp5Missing();
if (missing !== undefined) {
  process.stderr.write(`skipping the ExaBGP 5 tier: ${missing}\n`);
  describe.skip('ExaBGP 5.x (EXABGP5)', () => {
    it('runs when EXABGP5 names a 5.x', () => {});
  });
} else {
  describeWhen(
    "ExaBGP 5.x with ours in 5's form (--api-version 5), GoBGP as the peer",
    { tools: ['gobgpd', 'gobgp'], extra: [() => implementationMissing('ours')] },
    () =>
      defineGobgpScenarios(
        'ours',
        ['up', 'down', 'disabled', 'withdraw-on-down', 'ipv6', 'all-neighbors'],
        {
          exabgpCommand: command,
          healthcheck: { 'api-version': 5 },
        },
      ),
  );
  describeWhen(
    "ExaBGP 5.x with ours in 4.2's form (no neighbor selector), GoBGP as the peer",
    { tools: ['gobgpd', 'gobgp'], extra: [() => implementationMissing('ours')] },
    () => defineGobgpScenarios('ours', ['up', 'down', 'no-ack'], { exabgpCommand: command }),
  );
}
