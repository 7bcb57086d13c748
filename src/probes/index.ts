// Builds the probe for each configured check: the one place that maps a CheckSpec to its probe.
import type { Probe } from '../core/probe.js';
import type { CheckSpec } from '../core/service.js';
import { commandProbe } from './command.js';
import { dnsProbe } from './dns.js';
import { httpProbe } from './http.js';
import type { NamedCheck } from './policy.js';
import { tcpProbe } from './tcp.js';

export type CommandProbeFactory = (command: string, timeoutMs: number) => Probe;

export interface ProbeDefaults {
  /** The service's timeout in milliseconds, used by checks without their own; 0 = no limit. */
  readonly timeoutMs: number;
}

/** The probe for one check; `runCommand` replaces the command probe (tests, other shells). */
export function probeFor(
  spec: CheckSpec,
  defaults: ProbeDefaults,
  runCommand: CommandProbeFactory = commandProbe,
): Probe {
  const timeoutMs = spec.timeout === undefined ? defaults.timeoutMs : spec.timeout * 1000;
  switch (spec.kind) {
    case 'command':
      return runCommand(spec.command, timeoutMs);
    case 'http':
      return httpProbe(spec, timeoutMs);
    case 'tcp':
      return tcpProbe(spec, timeoutMs);
    case 'dns':
      return dnsProbe(spec, timeoutMs);
  }
}

/** The name a check is reported under: its own, else what it checks ("tcp 127.0.0.1:5432"). */
export function checkName(spec: CheckSpec): string {
  // A dns check's `name` is the name it queries; its own name is `label`.
  const own = spec.kind === 'dns' ? spec.label : spec.name;
  if (own !== undefined && own !== '') return own;
  switch (spec.kind) {
    case 'command':
      return `command ${spec.command}`;
    case 'http':
      return `${spec.method.toUpperCase()} ${spec.url}`;
    case 'tcp':
      return `tcp ${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case 'dns':
      return `dns ${spec.name} ${spec.type.toUpperCase()} @${spec.server}`;
  }
}

/** What a check looks at, whatever it is named: the URL, host:port, the query, the command. */
export function checkTarget(spec: CheckSpec): string {
  switch (spec.kind) {
    case 'command':
      return spec.command;
    case 'http':
      return `${spec.method.toUpperCase()} ${spec.url}`;
    case 'tcp':
      return `${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case 'dns':
      return `${spec.name} ${spec.type.toUpperCase()} @${spec.server.includes(':') ? `[${spec.server}]` : spec.server}:${spec.port}`;
  }
}

/** A service's checks ready for `combine`: named, weighted (default 1), each with its probe. */
export function namedChecks(
  specs: readonly CheckSpec[],
  defaults: ProbeDefaults,
  runCommand?: CommandProbeFactory,
): NamedCheck[] {
  return specs.map((spec) => ({
    name: checkName(spec),
    weight: spec.weight ?? 1,
    probe: probeFor(spec, defaults, runCommand),
  }));
}

export { combine, createLimiter } from './policy.js';
export type { CheckOutcome, Limiter, NamedCheck, PolicyProbe, PolicyResult } from './policy.js';
