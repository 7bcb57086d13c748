// `--help`: every option, grouped as the reference's argparse help.
import { OPTION_SPECS, type OptionSpec } from '../config/options.js';

function spelling(spec: OptionSpec): string {
  const names = [...spec.long, ...spec.short];
  const arg =
    spec.kind === 'flag'
      ? ''
      : spec.kind === 'optional-value'
        ? ` [${spec.metavar}]`
        : ` ${spec.metavar}`;
  return names.map((n) => `${n}${arg}`).join(', ');
}

export function helpText(): string {
  const groups = new Map<string, OptionSpec[]>();
  for (const spec of OPTION_SPECS) {
    const list = groups.get(spec.group) ?? [];
    list.push(spec);
    groups.set(spec.group, list);
  }
  const out: string[] = [
    'usage: bgp-healthcheck [OPTIONS]',
    '       bgp-healthcheck check-config FILE',
    '       bgp-healthcheck convert FILE.conf',
    '       bgp-healthcheck convert --from anycast-healthchecker [MAIN.conf] [SERVICE_DIR]',
    '       bgp-healthcheck ctl [--socket PATH] status|disable|enable|drain|check|reload ...',
    '       bgp-healthcheck nagios [--socket PATH] [--warning N] [--critical N]',
    '',
    'Announce or withdraw routes through ExaBGP from the result of a health check.',
    "Run it as an ExaBGP process; it accepts the options of ExaBGP's healthcheck.",
    'A config file (--config FILE) holds one option per line, without the leading --;',
    'a FILE ending in .yaml or .yml describes several services.',
  ];
  for (const [group, specs] of groups) {
    out.push('', `${group}:`);
    for (const spec of specs) {
      const left = `  ${spelling(spec)}`;
      out.push(
        left.length < 32
          ? `${left.padEnd(32)}${spec.help}`
          : `${left}\n${' '.repeat(32)}${spec.help}`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
