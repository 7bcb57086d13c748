// The YAML config's one definition: it validates a file, parses every value into core types, and yields the JSON Schema.
import { DNS_RCODES, DNS_TYPES } from '../core/dns.js';
import { LOG_FORMATS } from '../core/logger.js';
import { z } from 'zod';
import {
  WELL_KNOWN_COMMUNITIES,
  parseAsPath,
  parseCommunities,
  parseExtendedCommunities,
  parseLargeCommunities,
} from '../core/attributes.js';
import { InvalidValueError } from '../core/errors.js';
import { parseIpAddress, parseIpPrefix, type IpAddress } from '../core/ip.js';
import { parseListenAddress } from '../core/listen-address.js';
import { SERVICE_NAME, SERVICE_NAME_RULE } from '../core/printable.js';
import { parseSocketPath } from '../core/socket-path.js';
import type { NextHop } from '../core/route.js';
import { DEFAULT_INCREASE, DEFAULT_MAX_CONCURRENT_CHECKS, DEFAULT_METRICS } from './defaults.js';
import type { CheckPolicy } from '../core/service.js';
import {
  EXABGP_SPEAKER,
  type FrrSpeakerConfig,
  type GobgpSpeakerConfig,
  type SpeakerConfig,
} from '../core/speaker-config.js';

const MAX_UINT32 = 0xffffffff;
const MAX_SECONDS = 86400 * 365;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
export const IFNAME = /^[a-zA-Z0-9._:-]{1,15}$/;
type Ctx = z.core.$RefinementCtx;

// Patterns for editors only (the JSON Schema): the parsers decide, these catch the obvious typos.
const IPV4_TEXT = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
const IPV6_TEXT = String.raw`[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*`;
const PREFIX_PATTERN = String.raw`^(?:${IPV4_TEXT}(?:/\d{1,2})?|${IPV6_TEXT}(?:/\d{1,3})?)$`;
const ADDRESS_PATTERN = `^(?:${IPV4_TEXT}|${IPV6_TEXT})$`;
const LISTEN_PATTERN = String.raw`^(?:${IPV4_TEXT}|\[${IPV6_TEXT}\])?:\d{1,5}$`;
const COMMUNITY_TOKEN = String.raw`(?:\d{1,5}:\d{1,5}|\d{1,10}|0x[0-9a-fA-F]{1,8}|${[...WELL_KNOWN_COMMUNITIES].join('|')})`;
const LARGE_COMMUNITY_TOKEN = String.raw`\d{1,10}:\d{1,10}:\d{1,10}`;
const ASN_TOKEN = String.raw`\d{1,10}`;
/** A pattern for one token, or for a space-separated list of them. */
const one = (token: string) => `^${token}$`;
const list = (token: string) => String.raw`^[ \t]*${token}(?:[ \t]+${token})*[ \t]*$`;

/** Where the Debian package installs the schema: an absolute URI that resolves on such a host. */
export const SCHEMA_ID = 'file:///usr/share/bgp-healthcheck/schema/bgp-healthcheck.schema.json';

/** The description (and the default, where there is one) an editor shows for a key. */
const doc = (description: string, defaultValue?: unknown) =>
  defaultValue === undefined ? { description } : { description, default: defaultValue };

/** A core parse function as a transform: its InvalidValueError becomes an issue at this value. */
function parsedWith<T>(parse: (text: string) => T) {
  return (text: string, ctx: Ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof InvalidValueError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: text });
      return z.NEVER;
    }
  };
}

/** Text that ends up in a log line, a file name or a command: no line breaks, no NUL. */
const oneLine = (what: string) =>
  z
    .string()
    .min(1, { error: `${what} may not be empty` })
    .regex(/^[^\r\n\0]*$/, { error: `${what} may not contain a line break` });

const integer = (min: number, max: number) =>
  z
    .int({ error: `expected an integer from ${min} to ${max}` })
    .min(min)
    .max(max);

/** What a duration may be, in words: said whenever one is not. */
export const durationHint = (input: unknown): string =>
  `${JSON.stringify(input)}: use a number of seconds or 500ms, 5s, 2m, 1h`;
const durationError = { error: (issue: { input?: unknown }) => durationHint(issue.input) };

export const duration = z
  .union(
    [
      z.number(durationError).min(0, durationError).max(MAX_SECONDS, durationError),
      z.string(durationError).regex(DURATION, durationError),
    ],
    durationError,
  )
  .transform((value, ctx) => {
    if (typeof value === 'number') return value;
    const [, amount, unit] = DURATION.exec(value)!;
    const seconds = Number(amount) * DURATION_UNITS[unit!]!;
    if (seconds > MAX_SECONDS) {
      ctx.issues.push({
        code: 'custom',
        message: `'${value}' is longer than a year`,
        input: value,
      });
      return z.NEVER;
    }
    return seconds;
  })
  .meta({ description: 'Seconds, or a string with a unit: "500ms", "2s", "1m", "1h".' });

const count = integer(0, 1_000_000);

const tokenNumber = z.int().min(0).max(MAX_UINT32);

/** A list of attribute tokens, as one space-separated string or a YAML list. */
const tokens = (description: string, token?: string) =>
  z
    .union(
      [
        token === undefined ? z.string() : z.string().meta({ pattern: list(token) }),
        tokenNumber,
        z.array(
          z.union([
            token === undefined ? z.string() : z.string().meta({ pattern: one(token) }),
            tokenNumber,
          ]),
        ),
      ],
      { error: 'expected a string or a list of strings' },
    )
    .transform((value) => (Array.isArray(value) ? value.join(' ') : String(value)))
    .meta({ description });

const prefix = z.string().transform(parsedWith(parseIpPrefix)).meta({
  description: 'An IP network in CIDR form, or an address (a /32 or /128).',
  pattern: PREFIX_PATTERN,
});
const address = z
  .string()
  .transform(parsedWith(parseIpAddress))
  .meta({ description: 'An IPv4 or IPv6 address.', pattern: ADDRESS_PATTERN });

const nextHop = z
  .string()
  .transform(parsedWith((text): NextHop => (text === 'self' ? 'self' : parseIpAddress(text))))
  .meta({
    description: '"self" or an IP address.',
    pattern: `^(?:self|${IPV4_TEXT}|${IPV6_TEXT})$`,
  });

const commandList = z
  .union([oneLine('a command'), z.array(oneLine('a command'))], {
    error: 'expected a command or a list of commands',
  })
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const timingSchema = z
  .strictObject({
    interval: duration
      .optional()
      .meta(
        doc('Time between two checks while the state is steady (0: check once, then exit).', 5),
      ),
    'fast-interval': duration
      .optional()
      .meta(
        doc('Time between two checks while the state is about to change (rising or falling).', 1),
      ),
    timeout: duration
      .optional()
      .meta(doc('How long a check may take before it counts as failed (0: no limit).', 5)),
    rise: count.optional().meta(doc('Passed checks in a row before the service is UP.', 3)),
    fall: count.optional().meta(doc('Failed checks in a row before the service is DOWN.', 3)),
    debounce: z
      .boolean()
      .optional()
      .meta(
        doc(
          'Announce only on a state change (true), or again after every check as the reference does (false). ExaBGP sends no UPDATE for a route it already has, keeps its routes over a peer reset and restarts this process with its own restart, so re-announcing repairs nothing a peer sees and costs ExaBGP a line per service per cycle.',
          true,
        ),
      ),
    'min-state-time': duration
      .optional()
      .meta(doc('The least time a state is held before it may change (damps flapping).', 0)),
    jitter: duration
      .optional()
      .meta(
        doc('Up to this much random delay before each check, so hosts do not check in step.', 0),
      ),
  })
  .meta({ description: 'When to check; every key defaults to the reference healthcheck value.' });

export const routesSchema = z
  .strictObject({
    prefixes: z
      .array(prefix)
      .optional()
      .meta(doc('The prefixes announced; without them, the addresses on lo are discovered.')),
    label: z
      .string()
      .regex(/^[^\s\\]+$/, { error: 'a label may not contain spaces or backslashes' })
      .optional()
      .meta({ description: 'Without prefixes: announce the loopback addresses with this label.' }),
    'label-exact-match': z
      .boolean()
      .optional()
      .meta(doc('Match the label exactly rather than as a beginning.', false)),
    'next-hop': nextHop.optional().meta(doc('The next hop of every route.', 'self')),
    'up-metric': integer(0, MAX_UINT32)
      .optional()
      .meta(doc('MED of the first prefix while UP.', DEFAULT_METRICS.UP)),
    'down-metric': integer(0, MAX_UINT32)
      .optional()
      .meta(doc('MED of the first prefix while DOWN.', DEFAULT_METRICS.DOWN)),
    'disabled-metric': integer(0, MAX_UINT32)
      .optional()
      .meta(doc('MED of the first prefix while DISABLED.', DEFAULT_METRICS.DISABLED)),
    increase: integer(-MAX_UINT32, MAX_UINT32)
      .optional()
      .meta(doc('Added to the MED of each following prefix.', DEFAULT_INCREASE)),
    'local-preference': integer(0, MAX_UINT32)
      .optional()
      .meta(doc('LOCAL_PREF of every route (none when not set).')),
    community: tokens('Communities: ASN:VALUE or a well-known name.', COMMUNITY_TOKEN)
      .transform(parsedWith(parseCommunities))
      .optional(),
    'disabled-community': tokens(
      'Communities that replace `community` in DOWN and DISABLED.',
      COMMUNITY_TOKEN,
    )
      .transform(parsedWith(parseCommunities))
      .optional(),
    'extended-community': tokens('Extended communities: target:ASN:NN, origin:IP:NN, ...')
      .transform(parsedWith(parseExtendedCommunities))
      .optional(),
    'large-community': tokens('Large communities: A:B:C.', LARGE_COMMUNITY_TOKEN)
      .transform(parsedWith(parseLargeCommunities))
      .optional(),
    'as-path': tokens('AS numbers.', ASN_TOKEN).transform(parsedWith(parseAsPath)).optional(),
    'up-as-path': tokens('AS numbers in UP.', ASN_TOKEN)
      .transform(parsedWith(parseAsPath))
      .optional(),
    'down-as-path': tokens('AS numbers in DOWN.', ASN_TOKEN)
      .transform(parsedWith(parseAsPath))
      .optional(),
    'disabled-as-path': tokens('AS numbers in DISABLED.', ASN_TOKEN)
      .transform(parsedWith(parseAsPath))
      .optional(),
    'path-id': integer(0, MAX_UINT32)
      .optional()
      .meta(doc('ADD-PATH path identifier (0 or none: no path-information).')),
    neighbors: z
      .array(z.union([z.literal('*'), address]))
      // `*` is ExaBGP 5's "every neighbor": the same as naming none, as on the command line.
      .transform((list) =>
        list.includes('*') ? [] : list.filter((n): n is IpAddress => n !== '*'),
      )
      .optional()
      .meta(
        doc(
          "Address the lines to these neighbors only; default (or '*') every neighbor, as ExaBGP 5.",
        ),
      ),
    'withdraw-on-down': z
      .boolean()
      .optional()
      .meta(
        doc('Withdraw the routes while DOWN or DISABLED, rather than worsening the MED.', false),
      ),
    'ip-setup': z
      .boolean()
      .optional()
      .meta(doc('Add the prefixes to lo at start (and remove them at exit).', true)),
    'dynamic-ip-setup': z
      .boolean()
      .optional()
      .meta(doc('Add the addresses to lo while UP and remove them otherwise.', false)),
    sudo: z.boolean().optional().meta(doc('Run ip through sudo.', false)),
    ifnames: z
      .record(
        z.string(),
        z
          .string()
          .regex(IFNAME, { error: 'expected an interface name (1-15 of a-z A-Z 0-9 . _ : -)' }),
      )
      .optional()
      .meta({ description: 'Interface (other than lo) for each prefix, keyed by the prefix.' }),
    deaggregate: z
      .boolean()
      .optional()
      .meta(doc('Announce each address of the prefixes as a /32 or /128.', false)),
    'start-ip': integer(-1_000_000, 1_000_000)
      .optional()
      .meta(
        doc('Rotate the prefix list by this many places (which prefix gets the lowest MED).', 0),
      ),
  })
  .meta({ description: 'What the service announces, and the loopback addresses behind it.' });

const checkBase = {
  name: oneLine('a check name')
    .optional()
    .meta(doc('A name for logs, metrics and the status page; default from the target.')),
  timeout: duration.optional().meta(doc("This check's timeout; default the service's.")),
  weight: z
    .number()
    .positive()
    .max(1_000_000)
    .optional()
    .meta(doc('Weight under the weighted policy.', 1)),
};
const checkType = <T extends string>(type: T, description: string) =>
  z.literal(type).meta(doc(description));

const host = z.string().refine((text) => HOSTNAME.test(text) || isAddress(text), {
  error: 'expected a host name or an IP address',
});

function isAddress(text: string): boolean {
  try {
    parseIpAddress(text);
    return true;
  } catch {
    return false;
  }
}

const statusItem = z
  .union([z.int().min(100).max(599), z.string().regex(/^[1-5]\d\d(-[1-5]\d\d)?$/)], {
    error: 'expected a status code (200) or a range ("200-299")',
  })
  .transform((value, ctx): readonly [number, number] => {
    const [lo, hi] = String(value).split('-').map(Number) as [number, number?];
    if (hi !== undefined && hi < lo) {
      ctx.issues.push({ code: 'custom', message: `'${value}' is an empty range`, input: value });
      return z.NEVER;
    }
    return [lo, hi ?? lo];
  });

/** The bracket hint when a URL's host looks like a bare IPv6 address; empty otherwise. */
export function ipv6UrlHint(text: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#[\]]*)(.*)$/i.exec(text);
  if (!m || (m[2]!.match(/:/g) ?? []).length < 2) return '';
  const [, scheme, host, rest] = m;
  return `: an IPv6 address goes in brackets, as in ${scheme}[${host}]${rest} (a port after them: [${host}]:8080)`;
}

const httpUrl = z.string().transform(
  parsedWith((text) => {
    if (/[\s\0]/.test(text))
      throw new InvalidValueError('a URL may not contain spaces or line breaks');
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new InvalidValueError(`'${text}' is not a URL${ipv6UrlHint(text)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidValueError(`'${text}' is not an http:// or https:// URL`);
    }
    return text;
  }),
);

const regexSource = z.string().refine(
  (text) => {
    try {
      new RegExp(text);
      return true;
    } catch {
      return false;
    }
  },
  { error: 'expected a valid regular expression' },
);

export const checkSchema = z.discriminatedUnion(
  'type',
  [
    z
      .strictObject({
        type: checkType('command', 'Runs a shell command.'),
        command: oneLine('a command').meta(doc('The command, run by /bin/sh -c.')),
        ...checkBase,
      })
      .meta({ description: 'Runs a shell command; exit status 0 passes.' }),
    z
      .strictObject({
        type: checkType('http', 'An HTTP or HTTPS request.'),
        url: httpUrl.meta({
          description: 'http:// or https:// URL; an IPv6 address in brackets.',
          pattern: '^https?://',
        }),
        method: z
          .string()
          .regex(/^[A-Z]{1,16}$/, { error: 'expected an HTTP method such as GET or HEAD' })
          .default('GET')
          .meta(doc('The request method.')),
        headers: z
          .record(
            z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'expected a header name' }),
            z
              .string()
              .regex(/^[^\r\n\0]*$/, { error: 'a header value may not contain a line break' })
              .regex(/^[\t\r\n\0\x20-\x7e\x80-\xff]*$/, {
                // Line breaks have their own message above.
                error: 'a header value may hold only tabs, printable ASCII and U+0080 to U+00FF',
              }),
          )
          .default({})
          .meta(doc('Request headers, name: value.')),
        'expect-status': z
          .union([statusItem, z.array(statusItem).min(1)])
          .transform((value) => (isRange(value) ? [value] : value))
          .prefault('200-299')
          .meta({ description: 'Accepted status codes or ranges; default 200-299.' }),
        'body-contains': z.string().optional().meta(doc('The body must contain this text.')),
        'body-matches': regexSource
          .optional()
          .meta(doc('The body must match this regular expression (JavaScript syntax).')),
        'tls-verify': z
          .boolean()
          .default(true)
          .meta(doc("Verify the server's certificate (https).")),
        'follow-redirects': z
          .boolean()
          .default(false)
          .meta(doc('Follow a redirect rather than judge its status.')),
        'keep-alive': z.boolean().default(true).meta({
          description:
            'Reuse one connection between checks (re-opened after any failure); false: a new connection per check, which also exercises accepting connections.',
        }),
        ...checkBase,
      })
      .meta({ description: 'An HTTP or HTTPS request.' }),
    z
      .strictObject({
        type: checkType('tcp', 'A TCP connection.'),
        host: host.default('127.0.0.1').meta(doc('Host name or IP address to connect to.')),
        port: integer(1, 65535).meta(doc('TCP port.')),
        send: z.string().optional().meta(doc('Bytes to send once connected.')),
        expect: z.string().optional().meta(doc('The reply must contain this text.')),
        ...checkBase,
      })
      .meta({ description: 'A TCP connection, optionally sending bytes and expecting a reply.' }),
    z
      .strictObject({
        type: checkType('dns', 'A DNS query.'),
        server: address.prefault('127.0.0.1').meta(doc('The DNS server queried.', '127.0.0.1')),
        port: integer(1, 65535).default(53).meta(doc('UDP/TCP port of the server.')),
        name: z
          .string()
          .regex(HOSTNAME, { error: 'expected a domain name' })
          .meta(doc('The name queried.')),
        'query-type': z.enum(DNS_TYPES).default('A').meta(doc('The record type queried.')),
        'expect-rcode': z
          .enum(DNS_RCODES)
          .default('NOERROR')
          .meta(doc('The response code that passes.')),
        'expect-answer': oneLine('an expected answer')
          .optional()
          .meta(doc('An answer record must contain this text.')),
        // In the core type `name` is the queried name, so a DNS check has no label of its own.
        timeout: checkBase.timeout,
        weight: checkBase.weight,
      })
      .meta({ description: 'A DNS query; UDP, with TCP when the answer is truncated.' }),
  ],
  { error: 'expected a check with type: command, http, tcp or dns' },
);

function isRange(value: unknown): value is readonly [number, number] {
  return Array.isArray(value) && typeof value[0] === 'number';
}

export const policySchema = z
  .union(
    [
      z.literal('all'),
      z.literal('any'),
      z.strictObject({
        weighted: z
          .number()
          .positive()
          .max(1_000_000_000)
          .meta(doc('The sum of the weights of passing checks needed to pass.')),
      }),
    ],
    { error: "expected 'all', 'any' or { weighted: THRESHOLD }" },
  )
  .transform((value): CheckPolicy =>
    typeof value === 'string' ? { kind: value } : { kind: 'weighted', threshold: value.weighted },
  )
  .meta({
    description:
      'all: every check passes; any: one does; weighted: passing weights reach the threshold.',
  });

export const hooksSchema = z
  .strictObject({
    execute: commandList.optional().meta(doc('Run on every state change.')),
    'up-execute': commandList.optional().meta(doc('Run on a change to UP.')),
    'down-execute': commandList.optional().meta(doc('Run on a change to DOWN.')),
    'disabled-execute': commandList.optional().meta(doc('Run on a change to DISABLED.')),
  })
  .meta({ description: 'Shell commands run on state changes, with STATE in the environment.' });

export const serviceSchema = z
  .strictObject({
    name: z
      .string()
      .regex(SERVICE_NAME, { error: SERVICE_NAME_RULE })
      .meta(
        doc('The service name, unique in the file: in logs, metrics, ctl and the status page.'),
      ),
    routes: routesSchema.optional(),
    timing: timingSchema.optional(),
    disable: oneLine('a file name').optional().meta({
      description:
        'While this file exists the service is in maintenance (DISABLED): the checks go on, and its routes are never better than they prove.',
    }),
    hooks: hooksSchema.optional(),
    checks: z
      .array(checkSchema)
      .optional()
      .meta(doc('The checks; none: always healthy. They run in parallel.')),
    policy: policySchema.optional(),
    drain: duration.optional().meta({
      description: 'On shutdown, announce the disabled attributes this long before withdrawing.',
      default: 0,
    }),
  })
  .meta({ description: 'One health-checked service and the routes it announces.' });

const listen = z.string().transform(parsedWith(parseListenAddress)).meta({
  description: 'IPV4:PORT, [IPV6]:PORT, or :PORT for 127.0.0.1; port 0 picks a free port.',
  pattern: LISTEN_PATTERN,
});

const socketPath = oneLine('a socket path')
  .transform(
    parsedWith((text) => {
      parseSocketPath(text, process.cwd());
      return text;
    }),
  )
  .meta(doc('Path of the Unix socket ctl talks to.'));

const birdName = (what: string) =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, {
    error: `expected ${what}: a letter or _, then letters, digits or _`,
  });

const frrSpeakerSchema = z
  .strictObject({
    type: z.literal('frr').meta({ description: 'FRR.' }),
    vtysh: oneLine('a command')
      .regex(/\S/, { error: 'a command may not be blank' })
      .default('vtysh')
      .meta({
        description:
          "The vtysh command, split on spaces (no shell): e.g. 'sudo vtysh' or 'vtysh --vty_socket /run/frr'.",
      }),
    asn: integer(1, MAX_UINT32).optional().meta({
      description: "The ASN of FRR's router bgp; by default the one in its running config.",
    }),
    resync: duration
      .refine((s) => s >= 0.1, { error: 'expected at least 0.1 seconds' })
      .default(30)
      .meta({
        description:
          "How often FRR's running config is compared again, so a restarted FRR gets the routes back.",
      }),
    'route-map-prefix': z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, {
        error: 'expected a route-map name prefix: a letter, then letters, digits, _ or -',
      })
      .default('BGPHC-')
      .meta({ description: 'Our route-maps are named PREFIX and a hash of their attributes.' }),
    blackhole: z.boolean().default(true).meta({
      description:
        "A blackhole static route (distance 254) puts each prefix in FRR's RIB for the network import check.",
    }),
    tag: integer(1, MAX_UINT32)
      .default(1111967811)
      .meta({ description: 'The tag that marks our static routes.' }),
  })
  .meta({ description: 'FRR: network statements and route-maps through vtysh.' });

function frrSpeaker(value: z.output<typeof frrSpeakerSchema>): FrrSpeakerConfig {
  return {
    type: 'frr',
    vtysh: value.vtysh.trim().split(/\s+/),
    asn: value.asn ?? null,
    resyncSeconds: value.resync,
    routeMapPrefix: value['route-map-prefix'],
    blackhole: value.blackhole,
    tag: value.tag,
  };
}

const gobgpSpeaker = z
  .strictObject({
    type: z.literal('gobgp').meta({ description: 'GoBGP (gobgpd).' }),
    address: z.string().transform(parsedWith(parseListenAddress)).prefault('127.0.0.1:50051').meta({
      description: "gobgpd's gRPC API, IPV4:PORT or [IPV6]:PORT, as the CLI's -u and -p.",
    }),
    command: oneLine('a command')
      .default('gobgp')
      .meta({ description: 'The gobgp CLI, with any words before it (sudo gobgp).' }),
    resync: duration
      .refine((seconds) => seconds >= 0.1, { error: 'the resync interval is at least 0.1 s' })
      .prefault(5)
      .meta({
        description:
          "How often GoBGP's RIB is compared with the routes and what is missing re-added.",
      }),
  })
  .meta({ description: 'GoBGP: paths added to its global RIB with the gobgp CLI.' });

const gobgpSpeakerConfig = (value: z.output<typeof gobgpSpeaker>): GobgpSpeakerConfig => ({
  type: 'gobgp',
  host: value.address.host,
  port: value.address.port,
  command: value.command.trim().split(/\s+/),
  resyncMs: Math.round(value.resync * 1000),
});

export const speakerSchema = z
  .discriminatedUnion(
    'type',
    [
      z
        .strictObject({ type: z.literal('exabgp').meta({ description: 'ExaBGP.' }) })
        .meta({ description: 'ExaBGP runs the process and reads its text API (the default).' }),
      z
        .strictObject({
          type: z.literal('bird').meta({ description: 'BIRD 2.' }),
          file: oneLine('a file name').meta({
            description: 'The file bird.conf includes; rewritten atomically on every change.',
          }),
          layout: z.enum(['static', 'prefix-set']).default('static').meta({
            description:
              'static: a static protocol per family with the attributes of each state; prefix-set: the sets anycast-healthchecker writes.',
          }),
          protocol: birdName('a protocol name').default('bgp_healthcheck').meta({
            description: 'static: the protocols are named PROTOCOL4 and PROTOCOL6.',
          }),
          variable: birdName('a variable name')
            .default('ACAST_PS_ADVERTISE')
            .meta({ description: 'prefix-set: the name of the IPv4 set.' }),
          variable6: birdName('a variable name')
            .default('ACAST6_PS_ADVERTISE')
            .meta({ description: 'prefix-set: the name of the IPv6 set.' }),
          file6: oneLine('a file name')
            .optional()
            .meta({ description: 'prefix-set: the IPv6 set goes into this file.' }),
          'dummy-prefix': prefix.prefault('10.189.200.255/32'),
          'dummy-prefix6': prefix.prefault('2001:db8::1/128'),
          socket: oneLine('a socket path')
            .default('/run/bird/bird.ctl')
            .meta({ description: "BIRD's control socket, told to configure after each write." }),
          reconfigure: oneLine('a command').optional().meta({
            description: "A command run instead of the socket's configure, e.g. 'birdc configure'.",
          }),
        })
        .meta({ description: 'BIRD 2: a file it includes, then a reconfigure.' }),
      frrSpeakerSchema,
      gobgpSpeaker,
    ],
    { error: 'expected a speaker with type: exabgp, bird, frr or gobgp' },
  )
  .transform((value): SpeakerConfig =>
    value.type === 'exabgp'
      ? EXABGP_SPEAKER
      : value.type === 'frr'
        ? frrSpeaker(value)
        : value.type === 'gobgp'
          ? gobgpSpeakerConfig(value)
          : {
              type: 'bird',
              file: value.file,
              layout: value.layout,
              protocol: value.protocol,
              variable: value.variable,
              variable6: value.variable6,
              file6: value.file6 ?? null,
              dummyPrefix: value['dummy-prefix'],
              dummyPrefix6: value['dummy-prefix6'],
              socket: value.socket,
              reconfigure: value.reconfigure ?? null,
            },
  );

/** The top-level keys other than `services`, shared by the loader and the full schema. */
export const topLevelFields = {
  defaults: z
    .strictObject({ timing: timingSchema.optional() })
    .optional()
    .meta({ description: 'Values every service starts from.' }),
  metrics: z
    .strictObject({ listen })
    .optional()
    .meta({ description: 'Prometheus metrics and the status page, on ADDRESS:PORT.' }),
  control: z
    .strictObject({ socket: socketPath })
    .optional()
    .meta({ description: 'The control socket (ctl) path.' }),
  'max-concurrent-checks': integer(1, 100_000)
    .optional()
    .meta(
      doc(
        'At most this many checks run at once, over every service.',
        DEFAULT_MAX_CONCURRENT_CHECKS,
      ),
    ),
  log: z
    .strictObject({
      format: z.enum(LOG_FORMATS).optional().meta({
        description: 'text (for people, the default), json or logfmt: one event per line.',
        default: 'text',
      }),
      'summary-interval': duration.optional().meta({
        description:
          'A check that keeps failing for the same reason is logged once, then summed up at most this often (default 5m).',
        default: '5m',
      }),
    })
    .optional()
    .meta({ description: 'How log lines are written; --log-format overrides format.' }),
  speaker: speakerSchema
    .optional()
    .meta({ description: 'The BGP speaker that carries the routes; ExaBGP when not given.' }),
};

export const configSchema = z
  .strictObject({
    services: z
      .array(serviceSchema)
      .min(1, { error: 'expected at least one service' })
      .meta(doc('The services this process watches, at least one.')),
    ...topLevelFields,
  })
  .meta({
    $id: SCHEMA_ID,
    title: 'bgp-healthcheck configuration',
    description: 'Services whose health decides the BGP routes announced through ExaBGP.',
  });

export type ServiceInput = z.output<typeof serviceSchema>;
export type TimingInput = z.output<typeof timingSchema>;
export type TopLevelInput = z.output<z.ZodObject<typeof topLevelFields>>;
