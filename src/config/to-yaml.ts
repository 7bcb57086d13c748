// Writes Services as the YAML config, leaving out what equals the defaults, so `convert` output reads like a hand-written file.
import { Document, isScalar, visit } from 'yaml';
import type { CheckSpec, Service } from '../core/service.js';
import { DEFAULT_INCREASE, DEFAULT_METRICS, YAML_DEFAULT_TIMING } from './defaults.js';

type Plain = Record<string, unknown>;

/** Drops the keys whose value is undefined, keeping the order of the rest. */
function compact(object: Plain): Plain {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

const unlessDefault = <T>(value: T, fallback: T): T | undefined =>
  value === fallback ? undefined : value;

const nonEmpty = <T>(list: readonly T[] | null | undefined): readonly T[] | undefined =>
  list && list.length > 0 ? list : undefined;

function routesOf(service: Service): Plain {
  const r = service.routes;
  const a = service.addresses;
  return compact({
    prefixes: nonEmpty(r.prefixes.map((p) => p.text)),
    label: a.label ?? undefined,
    'label-exact-match': a.labelExactMatch || undefined,
    'next-hop': r.nextHop === 'self' ? undefined : r.nextHop.text,
    'up-metric': unlessDefault(r.metrics.UP, DEFAULT_METRICS.UP),
    'down-metric': unlessDefault(r.metrics.DOWN, DEFAULT_METRICS.DOWN),
    'disabled-metric': unlessDefault(r.metrics.DISABLED, DEFAULT_METRICS.DISABLED),
    increase: unlessDefault(r.increase, DEFAULT_INCREASE),
    'local-preference': r.localPreference ?? undefined,
    community: r.communities ?? undefined,
    'disabled-community': r.disabledCommunities ?? undefined,
    'extended-community': r.extendedCommunities ?? undefined,
    'large-community': r.largeCommunities ?? undefined,
    'as-path': r.asPath ?? undefined,
    'up-as-path': r.stateAsPaths.UP,
    'down-as-path': r.stateAsPaths.DOWN,
    'disabled-as-path': r.stateAsPaths.DISABLED,
    'path-id': r.pathId ?? undefined,
    neighbors: nonEmpty(r.neighbors.map((n) => n.text)),
    'withdraw-on-down': r.withdrawOnDown || undefined,
    'ip-setup': a.setup ? undefined : false,
    'dynamic-ip-setup': a.dynamic || undefined,
    sudo: a.sudo || undefined,
    ifnames: Object.keys(a.ifnames).length > 0 ? { ...a.ifnames } : undefined,
    deaggregate: a.deaggregate || undefined,
    'start-ip': unlessDefault(a.startIp, 0),
  });
}

function timingOf(service: Service): Plain {
  const t = service.timing;
  // Against the YAML defaults, since that is how the YAML is read back.
  const d = YAML_DEFAULT_TIMING;
  return compact({
    interval: unlessDefault(t.interval, d.interval),
    'fast-interval': unlessDefault(t.fastInterval, d.fastInterval),
    timeout: unlessDefault(t.timeout, d.timeout),
    rise: unlessDefault(t.rise, d.rise),
    fall: unlessDefault(t.fall, d.fall),
    debounce: unlessDefault(t.debounce, d.debounce),
    'min-state-time': unlessDefault(t.minStateTime, d.minStateTime),
    jitter: unlessDefault(t.jitter, d.jitter),
  });
}

function checkOf(check: CheckSpec): Plain {
  const common = {
    ...('name' in check && check.kind !== 'dns' && check.name !== undefined
      ? { name: check.name }
      : {}),
  };
  const tail = { timeout: check.timeout, weight: check.weight };
  switch (check.kind) {
    case 'command':
      return compact({ type: 'command', ...common, command: check.command, ...tail });
    case 'http': {
      const status = check.expectStatus.map(([lo, hi]) => (lo === hi ? lo : `${lo}-${hi}`));
      const defaultStatus = status.length === 1 && status[0] === '200-299';
      return compact({
        type: 'http',
        ...common,
        url: check.url,
        method: unlessDefault(check.method, 'GET'),
        headers: Object.keys(check.headers).length > 0 ? { ...check.headers } : undefined,
        'expect-status': defaultStatus ? undefined : status,
        'body-contains': check.bodyContains,
        'body-matches': check.bodyMatches,
        'tls-verify': check.tlsVerify ? undefined : false,
        'follow-redirects': check.followRedirects || undefined,
        'keep-alive': check.keepAlive ? undefined : false,
        ...tail,
      });
    }
    case 'tcp':
      return compact({
        type: 'tcp',
        ...common,
        host: check.host,
        port: check.port,
        send: check.send,
        expect: check.expect,
        ...tail,
      });
    case 'dns':
      return compact({
        type: 'dns',
        server: check.server,
        port: unlessDefault(check.port, 53),
        name: check.name,
        'query-type': unlessDefault(check.type, 'A'),
        'expect-rcode': unlessDefault(check.expectRcode, 'NOERROR'),
        'expect-answer': check.expectAnswer,
        ...tail,
      });
  }
}

function serviceOf(service: Service): Plain {
  const routes = routesOf(service);
  const timing = timingOf(service);
  const byState = service.hooks.byState;
  const hooks = compact({
    execute: nonEmpty(service.hooks.any),
    'up-execute': nonEmpty(byState.UP),
    'down-execute': nonEmpty(byState.DOWN),
    'disabled-execute': nonEmpty(byState.DISABLED),
  });
  const policy = service.policy;
  return compact({
    name: service.name,
    routes: Object.keys(routes).length > 0 ? routes : undefined,
    timing: Object.keys(timing).length > 0 ? timing : undefined,
    disable: service.disableFile ?? undefined,
    hooks: Object.keys(hooks).length > 0 ? hooks : undefined,
    checks: service.checks.length > 0 ? service.checks.map(checkOf) : undefined,
    policy:
      policy.kind === 'all'
        ? undefined
        : policy.kind === 'any'
          ? 'any'
          : { weighted: policy.threshold },
    drain: service.drain,
  });
}

/**
 * The YAML text of a config holding `services`. Hooks of states other than UP, DOWN and DISABLED have no
 * YAML key (no config source yields them).
 */
export function serviceToYaml(services: readonly Service[]): string {
  const doc = new Document({ services: services.map(serviceOf) }, { version: '1.2' });
  // Lists of plain values read best on one line, as people write them.
  visit(doc, {
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
