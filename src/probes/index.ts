// Builds the probe for each configured check: the one place that maps a CheckSpec to its probe.
import type { Probe } from '../core/probe.js';
import type { CheckSpec } from '../core/service.js';
import { commandProbe } from './command.js';
import type { NamedCheck } from './policy.js';

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
      return loadedProbe(import('./http.js').then((m) => m.httpProbe(spec, timeoutMs)));
    case 'tcp':
      return loadedProbe(import('./tcp.js').then((m) => m.tcpProbe(spec, timeoutMs)));
    case 'dns':
      return loadedProbe(import('./dns.js').then((m) => m.dnsProbe(spec, timeoutMs)));
  }
}

/**
 * A probe whose code is loaded when a check of its kind is configured, not at start: the drop-in
 * mode runs only commands, and the HTTP, TCP and DNS probes took 0.6 MB of its heap (`node:tls`
 * among them, whose import copies every root certificate into the heap). The load starts here,
 * when the check is built, so it is done long before the first check runs.
 */
function loadedProbe(loading: Promise<Probe>): Probe {
  let probe: Probe | undefined;
  void loading.then(
    (loaded) => (probe = loaded),
    () => undefined,
  );
  return (signal) => (probe ? probe(signal) : loading.then((loaded) => loaded(signal)));
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
