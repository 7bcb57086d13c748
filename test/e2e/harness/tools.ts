// Decides whether a tier can run: its tools are on PATH (and it is root when it needs to be).
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'vitest';

/**
 * Where `tool` is: on PATH, or in the sbin directories that Debian's default PATH for a user
 * leaves out (exabgp, bird and nsd live there). Null when it is nowhere.
 */
export function toolPath(tool: string): string | null {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin']);
  for (const dir of dirs) {
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return join(dir, tool);
    } catch {
      // not in this one
    }
  }
  return null;
}

export const onPath = (tool: string): boolean => toolPath(tool) !== null;

/** The command to start: a bare name as toolPath finds it (PATH may lack /usr/sbin), else as is. */
export const resolveCommand = (command: string): string =>
  command.includes('/') ? command : (toolPath(command) ?? command);

export interface Requirements {
  readonly tools: readonly string[];
  readonly root?: boolean;
  /** Further conditions, each a reason when unmet. */
  readonly extra?: readonly (() => string | undefined)[];
}

/** Why the tier cannot run here, or undefined when it can. */
export function missingRequirements(requirements: Requirements): string | undefined {
  const reasons: string[] = [];
  const missing = requirements.tools.filter((tool) => !onPath(tool));
  if (missing.length > 0) reasons.push(`missing ${missing.join(', ')}`);
  if (requirements.root === true && process.getuid?.() !== 0) reasons.push('not root');
  for (const check of requirements.extra ?? []) {
    const reason = check();
    if (reason !== undefined) reasons.push(reason);
  }
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

/**
 * A `describe` that runs only when its requirements are met. Otherwise it fails under
 * REQUIRE_E2E=1 (CI must not pass by skipping) and is skipped with a printed reason elsewhere.
 */
export function describeWhen(name: string, requirements: Requirements, body: () => void): void {
  const reason = missingRequirements(requirements);
  if (reason === undefined) {
    describe(name, body);
  } else if (process.env.REQUIRE_E2E === '1') {
    describe(name, () => {
      it('has what it needs to run (REQUIRE_E2E=1)', () => {
        throw new Error(`${name}: cannot run: ${reason}`);
      });
    });
  } else {
    process.stderr.write(
      `skipping "${name}": ${reason} (set REQUIRE_E2E=1 to make this a failure)\n`,
    );
    describe.skip(name, body);
  }
}
