// The version this build reports (--version, status page, ctl, metrics).
import { readFileSync } from 'node:fs';

/** Set by the bundler from package.json; absent when the sources run directly (tests). */
declare const BGP_HEALTHCHECK_VERSION: string | undefined;

function readVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION =
  typeof BGP_HEALTHCHECK_VERSION === 'string' ? BGP_HEALTHCHECK_VERSION : readVersion();
