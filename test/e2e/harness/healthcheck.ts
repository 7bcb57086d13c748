// The process under test: ours or the reference, its config file, and a check the test steers.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUR_COMMAND } from '../../support/healthcheck-process.js';

export type Implementation = 'ours' | 'reference';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const referencePython = '/usr/bin/python3';

/** BGP_HC_E2E_IMPL=reference runs the whole tier against ExaBGP's own healthcheck. */
export function selectedImplementation(): Implementation {
  return process.env.BGP_HC_E2E_IMPL === 'reference' ? 'reference' : 'ours';
}

/** Why an implementation cannot run here, or undefined. */
export function implementationMissing(implementation: Implementation): string | undefined {
  if (implementation === 'ours') {
    return existsSync(join(repoRoot, 'dist', 'cli', 'main.js'))
      ? undefined
      : 'bgp-healthcheck is not built (run npm run build)';
  }
  return existsSync(referencePython)
    ? undefined
    : `${referencePython} (for the reference healthcheck) is missing`;
}

/** The argv ExaBGP runs: the implementation reading every option from `configFile`. */
export function healthcheckArgv(implementation: Implementation, configFile: string): string[] {
  return implementation === 'ours'
    ? [...OUR_COMMAND, '--config', configFile]
    : [referencePython, '-m', 'exabgp', 'healthcheck', '--config', configFile];
}

export type OptionValue = string | number | boolean | readonly (string | number)[];

/**
 * The healthcheck config file: one `option = value` line per value, a bare line for `true`,
 * nothing for `false`, and one line per element of an array (repeatable options).
 */
export function healthcheckConfig(options: Readonly<Record<string, OptionValue>>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (value === true) lines.push(name);
    else if (value === false) continue;
    else if (Array.isArray(value))
      for (const item of value) lines.push(`${name} = ${String(item)}`);
    else lines.push(`${name} = ${String(value)}`);
  }
  return lines.join('\n') + '\n';
}

/** A check command whose exit status is the content of a state file the test writes. */
export class SteeredCheck {
  readonly script: string;
  readonly stateFile: string;
  readonly disableFile: string;

  constructor(readonly dir: string) {
    this.script = join(dir, 'check.sh');
    this.stateFile = join(dir, 'check-state');
    this.disableFile = join(dir, 'disabled');
  }

  async install(initiallyHealthy = true): Promise<void> {
    await writeFile(this.script, `#!/bin/sh\nexit "$(cat '${this.stateFile}')"\n`, { mode: 0o755 });
    await this.setHealthy(initiallyHealthy);
  }

  async setHealthy(healthy: boolean): Promise<void> {
    await writeFile(this.stateFile, healthy ? '0\n' : '1\n', { mode: 0o644 });
  }

  async setDisabled(disabled: boolean): Promise<void> {
    if (disabled) await writeFile(this.disableFile, 'maintenance\n', { mode: 0o644 });
    else await rm(this.disableFile, { force: true });
  }
}
