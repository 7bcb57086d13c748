// Loads the YAML multi-service config into Services, every problem reported with its path and line.
import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { parseIpPrefix, prefixSize } from '../core/ip.js';
import type { ListenAddress } from '../core/listen-address.js';
import { medsOutOfRange } from '../core/route.js';
import type { CheckSpec, Service, Timing } from '../core/service.js';
import type { LogFormat } from '../core/logger.js';
import type { SpeakerConfig } from '../core/speaker-config.js';
import { unsupportedBy } from '../core/speaker-support.js';
import { InvalidValueError } from '../core/errors.js';
import {
  DEFAULT_INCREASE,
  DEFAULT_METRICS,
  MAX_DEAGGREGATED,
  YAML_DEFAULT_TIMING,
} from './defaults.js';
import type { ConfigIssue } from './errors.js';
import { serviceWarnings } from './warnings.js';
import {
  checkSchema,
  configSchema,
  serviceSchema,
  topLevelFields,
  type ServiceInput,
  type TimingInput,
} from './yaml-schema.js';

export type { ConfigIssue };

/** Everything a YAML file configures. */
export interface YamlConfig {
  readonly services: Service[];
  /** Where to serve metrics and the status page, when configured. */
  readonly metrics?: { readonly listen: ListenAddress };
  readonly control?: { readonly socket: string };
  readonly maxConcurrentChecks?: number;
  readonly log?: { readonly format?: LogFormat; readonly summaryInterval?: number };
  /** The speaker that carries the routes; ExaBGP when not given. */
  readonly speaker?: SpeakerConfig;
  /** Settings that work but are probably not what was meant, each at its file line. */
  readonly warnings: readonly ConfigIssue[];
}

export type LoadResult = { ok: true; config: YamlConfig } | { ok: false; issues: ConfigIssue[] };

type PathItem = string | number;

const MAX_ALIASES = 100;

const topSchema = z.strictObject({
  services: z.array(z.unknown(), { error: 'expected a list of services' }).min(1, {
    error: 'expected at least one service',
  }),
  ...topLevelFields,
});

/** Parses `text` (the content of `fileName`) as a YAML config. Never throws on bad input. */
export function loadYamlConfig(text: string, fileName: string): LoadResult {
  const locator = new Locator(text, fileName);
  const { doc } = locator;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        path: '(yaml)',
        file: fileName,
        ...(error.linePos ? { line: error.linePos[0].line } : {}),
        message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    return { ok: false, issues: [locator.issue([], `cannot read the document: ${String(error)}`)] };
  }
  if (data === null || data === undefined) {
    return {
      ok: false,
      issues: [locator.issue([], 'the file is empty (expected a services: list)')],
    };
  }

  const issues: ConfigIssue[] = [];
  const top = topSchema.safeParse(data);
  if (!top.success) issues.push(...top.error.issues.flatMap((i) => locator.fromZod(i, [], data)));
  const baseTiming = top.success
    ? timingFrom(top.data.defaults?.timing, YAML_DEFAULT_TIMING)
    : YAML_DEFAULT_TIMING;

  const rawServices = isRecord(data) && Array.isArray(data.services) ? data.services : [];
  const parsed: { index: number; input: ServiceInput; service: Service }[] = [];
  rawServices.forEach((raw: unknown, index) => {
    const result = serviceSchema.safeParse(raw);
    if (result.success) {
      parsed.push({ index, input: result.data, service: buildService(result.data, baseTiming) });
    } else {
      issues.push(
        ...result.error.issues.flatMap((i) => locator.fromZod(i, ['services', index], raw)),
      );
    }
  });
  issues.push(...duplicateNames(rawServices, locator));
  for (const { index, input, service } of parsed) {
    issues.push(...serviceProblems(index, input, service, locator));
  }
  issues.push(...prefixConflicts(parsed, locator));
  const chosen = top.success ? top.data.speaker : undefined;
  for (const { index, service } of chosen ? parsed : [])
    for (const reason of unsupportedBy(chosen!, service.routes))
      issues.push(
        locator.issue(['services', index, 'routes'], `not with speaker ${chosen!.type}: ${reason}`),
      );

  if (issues.length > 0 || !top.success) {
    return { ok: false, issues: issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  }
  const { metrics, control, log } = top.data;
  const maxConcurrentChecks = top.data['max-concurrent-checks'];
  const { speaker } = top.data;
  return {
    ok: true,
    config: {
      services: parsed.map((p) => p.service),
      warnings: parsed.flatMap(({ index, input, service }) =>
        serviceWarnings(
          service,
          (input.timing?.timeout ?? top.data.defaults?.timing?.timeout) !== undefined,
        ).map((w) =>
          locator.issue(
            ['services', index, w.field === 'timeout' ? 'timing' : 'routes', w.field],
            w.message,
          ),
        ),
      ),
      ...(metrics ? { metrics } : {}),
      ...(control ? { control } : {}),
      ...(maxConcurrentChecks !== undefined ? { maxConcurrentChecks } : {}),
      ...(log
        ? {
            log: {
              ...(log.format ? { format: log.format } : {}),
              ...(log['summary-interval'] !== undefined
                ? { summaryInterval: log['summary-interval'] }
                : {}),
            },
          }
        : {}),
      ...(speaker ? { speaker } : {}),
    },
  };
}

/** Turns schema paths into file lines. */
class Locator {
  readonly lineCounter = new LineCounter();
  readonly doc: Document.Parsed;

  constructor(
    text: string,
    readonly fileName: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lineCounter,
      version: '1.2',
      schema: 'core',
      uniqueKeys: true,
      prettyErrors: true,
    });
  }

  issue(path: readonly PathItem[], message: string, keyNode = false): ConfigIssue {
    const line = this.lineOf(path, keyNode);
    return {
      path: formatPath(path),
      file: this.fileName,
      ...(line !== undefined ? { line } : {}),
      message,
    };
  }

  fromZod(issue: z.core.$ZodIssue, prefix: readonly PathItem[], data: unknown): ConfigIssue[] {
    const path = [...prefix, ...(issue.path as PathItem[])];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => this.issue([...path, key], unknownKeyMessage(key), true));
    }
    if (issue.code === 'invalid_type') {
      const value = valueAt(data, issue.path as PathItem[]);
      const message =
        value === undefined
          ? `is required (expected ${issue.expected})`
          : `expected ${issue.expected}, got ${describe(value)}`;
      return [this.issue(path, message)];
    }
    return [this.issue(path, issue.message)];
  }

  /** The line of the node at `path`, or of its nearest ancestor present in the file. */
  private lineOf(path: readonly PathItem[], keyNode: boolean): number | undefined {
    if (keyNode && path.length > 0) {
      const parent = this.doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
        if (pair && isNode(pair.key) && pair.key.range) return this.line(pair.key.range[0]);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.line(node.range[0]);
    }
    return undefined;
  }

  private line(offset: number): number {
    return this.lineCounter.linePos(offset).line;
  }
}

export function formatPath(path: readonly PathItem[]): string {
  let out = '';
  for (const item of path) {
    if (typeof item === 'number') out += `[${item}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(item)) out += out === '' ? item : `.${item}`;
    else out += `[${JSON.stringify(item)}]`;
  }
  return out === '' ? '(top level)' : out;
}

function timingFrom(input: TimingInput | undefined, base: Timing): Timing {
  if (!input) return base;
  return {
    interval: input.interval ?? base.interval,
    fastInterval: input['fast-interval'] ?? base.fastInterval,
    timeout: input.timeout ?? base.timeout,
    rise: input.rise ?? base.rise,
    fall: input.fall ?? base.fall,
    debounce: input.debounce ?? base.debounce,
    minStateTime: input['min-state-time'] ?? base.minStateTime,
    jitter: input.jitter ?? base.jitter,
  };
}

type CheckInput = z.output<typeof checkSchema>;

function checkFrom(input: CheckInput): CheckSpec {
  const base = {
    ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
    ...(input.weight !== undefined ? { weight: input.weight } : {}),
    ...('name' in input && input.type !== 'dns' && input.name !== undefined
      ? { name: input.name }
      : {}),
  };
  switch (input.type) {
    case 'command':
      return { kind: 'command', command: input.command, ...base };
    case 'http':
      return {
        kind: 'http',
        url: input.url,
        method: input.method,
        headers: input.headers,
        expectStatus: input['expect-status'],
        ...(input['body-contains'] !== undefined ? { bodyContains: input['body-contains'] } : {}),
        ...(input['body-matches'] !== undefined ? { bodyMatches: input['body-matches'] } : {}),
        tlsVerify: input['tls-verify'],
        followRedirects: input['follow-redirects'],
        keepAlive: input['keep-alive'],
        ...base,
      };
    case 'tcp':
      return {
        kind: 'tcp',
        host: input.host,
        port: input.port,
        ...(input.send !== undefined ? { send: input.send } : {}),
        ...(input.expect !== undefined ? { expect: input.expect } : {}),
        ...base,
      };
    case 'dns':
      return {
        kind: 'dns',
        server: input.server.text,
        port: input.port,
        name: input.name,
        type: input['query-type'],
        expectRcode: input['expect-rcode'],
        ...(input['expect-answer'] !== undefined ? { expectAnswer: input['expect-answer'] } : {}),
        ...base,
      };
  }
}

function buildService(input: ServiceInput, baseTiming: Timing): Service {
  const r = input.routes ?? {};
  const hooks = input.hooks ?? {};
  const stateAsPaths: Service['routes']['stateAsPaths'] = {
    ...(r['up-as-path'] ? { UP: r['up-as-path'] } : {}),
    ...(r['down-as-path'] ? { DOWN: r['down-as-path'] } : {}),
    ...(r['disabled-as-path'] ? { DISABLED: r['disabled-as-path'] } : {}),
  };
  const ifnames: Record<string, string> = {};
  for (const [key, ifname] of Object.entries(r.ifnames ?? {})) {
    ifnames[canonicalPrefix(key) ?? key] = ifname;
  }
  return {
    name: input.name,
    timing: timingFrom(input.timing, baseTiming),
    disableFile: input.disable ?? null,
    disableMode: 'maintenance',
    checks: (input.checks ?? []).map(checkFrom),
    policy: input.policy ?? { kind: 'all' },
    hooks: {
      any: hooks.execute ?? [],
      byState: {
        UP: hooks['up-execute'] ?? [],
        DOWN: hooks['down-execute'] ?? [],
        DISABLED: hooks['disabled-execute'] ?? [],
      },
    },
    addresses: {
      label: r.label ?? null,
      labelExactMatch: r['label-exact-match'] ?? false,
      setup: r['ip-setup'] ?? true,
      dynamic: r['dynamic-ip-setup'] ?? false,
      sudo: r.sudo ?? false,
      ifnames,
      deaggregate: r.deaggregate ?? false,
      startIp: r['start-ip'] ?? 0,
    },
    routes: {
      prefixes: r.prefixes ?? [],
      nextHop: r['next-hop'] ?? 'self',
      metrics: {
        UP: r['up-metric'] ?? DEFAULT_METRICS.UP,
        DOWN: r['down-metric'] ?? DEFAULT_METRICS.DOWN,
        DISABLED: r['disabled-metric'] ?? DEFAULT_METRICS.DISABLED,
      },
      increase: r.increase ?? DEFAULT_INCREASE,
      localPreference: r['local-preference'] ?? null,
      communities: r.community ?? null,
      disabledCommunities: r['disabled-community'] ?? null,
      extendedCommunities: r['extended-community'] ?? null,
      largeCommunities: r['large-community'] ?? null,
      asPath: r['as-path'] ?? null,
      stateAsPaths,
      pathId: r['path-id'] ?? null,
      neighbors: r.neighbors ?? [],
      withdrawOnDown: r['withdraw-on-down'] ?? false,
    },
    ...(input.drain !== undefined ? { drain: input.drain } : {}),
  };
}

function canonicalPrefix(text: string): string | undefined {
  try {
    return parseIpPrefix(text).text;
  } catch (error) {
    if (error instanceof InvalidValueError) return undefined;
    throw error;
  }
}

/** Problems that need more than one field of a service to see. */
function serviceProblems(
  index: number,
  input: ServiceInput,
  service: Service,
  locator: Locator,
): ConfigIssue[] {
  const at = (...rest: PathItem[]) => ['services', index, ...rest];
  const issues: ConfigIssue[] = [];
  const prefixes = service.routes.prefixes;
  for (const key of Object.keys(input.routes?.ifnames ?? {})) {
    const canonical = canonicalPrefix(key);
    if (canonical === undefined) {
      issues.push(
        locator.issue(at('routes', 'ifnames', key), `'${key}' is not an IP prefix`, true),
      );
    } else if (!prefixes.some((p) => p.text === canonical)) {
      issues.push(
        locator.issue(
          at('routes', 'ifnames', key),
          `${canonical} is not one of this service's prefixes`,
          true,
        ),
      );
    }
  }
  if (input.routes?.['label-exact-match'] && service.addresses.label === null) {
    issues.push(locator.issue(at('routes', 'label-exact-match'), 'needs a label to match'));
  }
  let count = BigInt(prefixes.length);
  if (service.addresses.deaggregate) {
    count = prefixes.reduce((sum, p) => sum + prefixSize(p), 0n);
    if (count > BigInt(MAX_DEAGGREGATED)) {
      issues.push(
        locator.issue(
          at('routes', 'deaggregate'),
          `the prefixes hold ${count} addresses; at most ${MAX_DEAGGREGATED} can be announced one by one`,
        ),
      );
    }
  }
  for (const { message } of medsOutOfRange(service.routes, count)) {
    issues.push(locator.issue(at('routes', 'increase'), message));
  }
  const policy = service.policy;
  if (policy.kind !== 'all' && service.checks.length === 0) {
    issues.push(
      locator.issue(at('policy'), `the '${policy.kind}' policy needs at least one check`),
    );
  } else if (policy.kind === 'weighted') {
    const total = service.checks.reduce((sum, c) => sum + (c.weight ?? 1), 0);
    if (policy.threshold > total) {
      issues.push(
        locator.issue(
          at('policy', 'weighted'),
          `threshold ${policy.threshold} can never be reached: the checks weigh ${total} in all (a check without weight counts 1)`,
        ),
      );
    }
  }
  return issues;
}

function duplicateNames(rawServices: readonly unknown[], locator: Locator): ConfigIssue[] {
  const first = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  rawServices.forEach((raw, index) => {
    if (!isRecord(raw) || typeof raw.name !== 'string') return;
    const seen = first.get(raw.name);
    if (seen === undefined) first.set(raw.name, index);
    else {
      issues.push(
        locator.issue(
          ['services', index, 'name'],
          `duplicate service name '${raw.name}' (also services[${seen}].name)`,
        ),
      );
    }
  });
  return issues;
}

/** Two announcements of one prefix to the same peers with the same path id would fight each other. */
function prefixConflicts(
  parsed: readonly { index: number; service: Service }[],
  locator: Locator,
): ConfigIssue[] {
  const seen = new Map<string, { index: number; position: number; service: Service }[]>();
  const issues: ConfigIssue[] = [];
  for (const { index, service } of parsed) {
    service.routes.prefixes.forEach((prefix, position) => {
      const earlier = seen.get(prefix.text) ?? [];
      const clash = earlier.find((e) => sameAudience(e.service, service));
      if (clash) {
        const where =
          clash.index === index
            ? `listed twice in this service (also services[${index}].routes.prefixes[${clash.position}])`
            : `also announced by service '${clash.service.name}' (services[${clash.index}].routes.prefixes[${clash.position}])`;
        issues.push(
          locator.issue(
            ['services', index, 'routes', 'prefixes', position],
            `${prefix.text} is ${where}`,
          ),
        );
      }
      earlier.push({ index, position, service });
      seen.set(prefix.text, earlier);
    });
  }
  return issues;
}

function sameAudience(a: Service, b: Service): boolean {
  if ((a.routes.pathId || null) !== (b.routes.pathId || null)) return false;
  const na = a.routes.neighbors;
  const nb = b.routes.neighbors;
  if (na.length === 0 || nb.length === 0) return true;
  return na.some((x) => nb.some((y) => x.text === y.text));
}

let knownKeys: readonly string[] | undefined;

/** Every key the schema knows, for "did you mean" hints. */
function allKeys(): readonly string[] {
  if (knownKeys) return knownKeys;
  const keys = new Set<string>();
  const visit = (schema: unknown, depth: number): void => {
    if (depth > 20 || typeof schema !== 'object' || schema === null || !('_zod' in schema)) return;
    const def = (schema as z.core.$ZodType)._zod.def as unknown as Record<string, unknown>;
    if (def.type === 'object') {
      for (const [key, value] of Object.entries(def.shape as Record<string, unknown>)) {
        keys.add(key);
        visit(value, depth + 1);
      }
    }
    for (const field of ['element', 'innerType', 'in', 'out', 'valueType'])
      visit(def[field], depth + 1);
    if (Array.isArray(def.options)) for (const option of def.options) visit(option, depth + 1);
  };
  visit(configSchema, 0);
  knownKeys = [...keys];
  return knownKeys;
}

function unknownKeyMessage(key: string): string {
  const normal = key.toLowerCase().replace(/_/g, '-');
  const hint =
    allKeys().find((k) => k === normal) ??
    allKeys().find((k) => Math.abs(k.length - key.length) <= 2 && editDistance(k, normal) <= 2);
  return hint ? `unknown key '${key}' (did you mean '${hint}'?)` : `unknown key '${key}'`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(
        row[j]! + 1,
        next[j - 1]! + 1,
        row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    row = next;
  }
  return row[b.length]!;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(data: unknown, path: readonly PathItem[]): unknown {
  let current = data;
  for (const item of path) {
    if (Array.isArray(current) && typeof item === 'number') current = current[item];
    else if (isRecord(current) && typeof item === 'string') current = current[item];
    else return undefined;
  }
  return current;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value;
}
