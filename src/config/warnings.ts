// Settings that work but are probably not what was meant: said as warnings, never refused.
import type { Service } from '../core/service.js';
import type { ConfigIssue } from './errors.js';

/** A service setting a warning is about. */
export type WarnedField = 'timeout' | 'next-hop';

export interface ServiceWarning {
  readonly field: WarnedField;
  readonly message: string;
}

const seconds = (n: number): string => `${n} s`;

/**
 * What looks wrong in a service that is otherwise valid; empty when nothing does. The timeout is
 * judged only when it was set: the reference's default (5 s) beside a shorter interval is common.
 */
export function serviceWarnings(service: Service, timeoutSet: boolean): ServiceWarning[] {
  const out: ServiceWarning[] = [];
  const { interval, timeout } = service.timing;
  if (timeoutSet && interval > 0 && timeout > interval) {
    out.push({
      field: 'timeout',
      message: `the timeout (${seconds(timeout)}) is longer than the interval (${seconds(interval)}): a slow check runs into the time of the next one`,
    });
  }
  const { nextHop, prefixes } = service.routes;
  if (nextHop !== 'self') {
    const other = prefixes.find((p) => p.family !== nextHop.family);
    if (other) {
      out.push({
        field: 'next-hop',
        message: `next-hop ${nextHop.text} is IPv${nextHop.family} but ${other.text} is IPv${other.family}: a peer accepts that only with the extended next-hop capability (RFC 8950)`,
      });
    }
  }
  return out;
}

/** The warnings of a service from the command line (or its line-per-option file), by option. */
export function optionWarnings(
  service: Service,
  optionsGiven: readonly string[],
  file?: string,
): ConfigIssue[] {
  return serviceWarnings(service, optionsGiven.includes('--timeout')).map((w) => ({
    path: `--${w.field}`,
    ...(file !== undefined ? { file } : {}),
    message: w.message,
  }));
}
