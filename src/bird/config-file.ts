// What BIRD 2 is given: the desired routes as the text of the file(s) its bird.conf includes.
import { communityValue, type Community } from '../core/attributes.js';
import { birdExtendedCommunity } from '../core/speaker-support.js';
import type { BirdSpeakerConfig } from '../core/speaker-config.js';
import type { DesiredRoute } from '../speakers/route-set.js';

export interface BirdFile {
  readonly path: string;
  readonly text: string;
}

const HEADER =
  '# Written by bgp-healthcheck: the routes of its services. Rewritten on every change; do not edit.';

/** A community as BIRD writes a pair: `(65000,1)`. */
export function birdCommunity(community: Community): string {
  const value = communityValue(community);
  return `(${Math.floor(value / 65536)},${value % 65536})`;
}

function staticRoute({ command }: DesiredRoute): string[] {
  const body: string[] = [];
  if (command.nextHop !== 'self') body.push(`bgp_next_hop = ${command.nextHop.text};`);
  body.push(`bgp_med = ${command.med};`);
  if (command.localPreference !== null) body.push(`bgp_local_pref = ${command.localPreference};`);
  for (const c of command.communities ?? []) body.push(`bgp_community.add(${birdCommunity(c)});`);
  for (const c of command.extendedCommunities ?? []) {
    const text = birdExtendedCommunity(c);
    if (text !== null) body.push(`bgp_ext_community.add(${text});`);
  }
  for (const c of command.largeCommunities ?? [])
    body.push(`bgp_large_community.add((${c.split(':').join(',')}));`);
  // Prepending in reverse leaves the path in the configured order.
  for (const asn of [...(command.asPath ?? [])].reverse()) body.push(`bgp_path.prepend(${asn});`);
  return [
    `  route ${command.prefix.text} blackhole {`,
    ...body.map((line) => `    ${line}`),
    '  };',
  ];
}

function staticProtocol(name: string, family: 4 | 6, routes: readonly DesiredRoute[]): string[] {
  const own = routes.filter((r) => r.command.prefix.family === family);
  return [
    `protocol static ${name}${family} {`,
    `  ipv${family};`,
    ...own.flatMap(staticRoute),
    '}',
  ];
}

function prefixSet(name: string, dummy: string, prefixes: readonly string[]): string[] {
  const items = [dummy, ...prefixes.filter((p) => p !== dummy)];
  return [`define ${name} =`, '    [', items.map((p) => `        ${p}`).join(',\n'), '    ];'];
}

/** The file(s) that make BIRD announce exactly `routes`, with a newline at the end of each. */
export function birdFiles(config: BirdSpeakerConfig, routes: readonly DesiredRoute[]): BirdFile[] {
  const text = (lines: readonly string[]) => `${[HEADER, ...lines].join('\n')}\n`;
  if (config.layout === 'static') {
    return [
      {
        path: config.file,
        text: text([
          ...staticProtocol(config.protocol, 4, routes),
          ...staticProtocol(config.protocol, 6, routes),
        ]),
      },
    ];
  }
  // Presence is all a prefix set says: a prefix is in it while its service is UP.
  const up = routes.filter((r) => r.target === 'UP').map((r) => r.command.prefix);
  const v4 = prefixSet(
    config.variable,
    config.dummyPrefix.text,
    up.filter((p) => p.family === 4).map((p) => p.text),
  );
  const v6 = prefixSet(
    config.variable6,
    config.dummyPrefix6.text,
    up.filter((p) => p.family === 6).map((p) => p.text),
  );
  if (config.file6 === null) return [{ path: config.file, text: text([...v4, ...v6]) }];
  return [
    { path: config.file, text: text(v4) },
    { path: config.file6, text: text(v6) },
  ];
}
