// Loads an ExaBGP-format (line-per-option) config file as a list of services, errors as values.
import type { Service } from '../core/service.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { parseHealthcheckArgs } from './healthcheck-args.js';

export type LineConfigResult =
  | { ok: true; config: { services: Service[] }; optionsGiven: readonly string[] }
  | { ok: false; issues: ConfigIssue[] };

export function loadLineConfigFile(
  path: string,
  readFile: (p: string) => string,
): LineConfigResult {
  try {
    const options = parseHealthcheckArgs(['--config', path], readFile);
    return {
      ok: true,
      config: { services: [options.service] },
      optionsGiven: options.serviceOptionsGiven,
    };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, issues: [...error.issues] };
    throw error;
  }
}
