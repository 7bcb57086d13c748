// Service addresses on the host: discovery on lo (and --ip-ifname interfaces), setup and removal with `ip`.
import { deaggregate, isLoopback, parseIpPrefix, prefixSize, type IpPrefix } from '../core/ip.js';
import type { Logger } from '../core/logger.js';
import type { AddressOptions } from '../core/service.js';
import {
  AddressCommandError,
  defaultCommandRunner,
  type CommandResult,
  type CommandRunner,
} from './ip-command.js';

export { AddressCommandError, defaultCommandRunner };
export type { CommandResult, CommandRunner } from './ip-command.js';

/** No prefix configured and none discovered: the reference logs this and exits 1. */
export class NoIpFoundError extends Error {
  override readonly name = 'NoIpFoundError';
  constructor() {
    super('No IP found');
  }
}

/** Setup adds every address of each network; past this many we refuse rather than run `ip` for hours. */
export const MAX_SETUP_ADDRESSES = 4096;

export class TooManyAddressesError extends Error {
  override readonly name = 'TooManyAddressesError';
}

export interface AddressManager {
  /** The configured prefixes, or when none: the discovered ones (lo + every ifname in options.ifnames),
   *  loopback ranges excluded, label prefix/exact match. Throws NoIpFoundError when the result is empty. */
  resolve(configured: readonly IpPrefix[]): Promise<IpPrefix[]>;
  /** Adds what is missing (with `label IFNAME:LABEL` when a label is set, on options.ifnames[prefix.text] ?? 'lo');
   *  "already there" (ip exit 2 on add) is fine; other failures throw AddressCommandError. */
  setup(prefixes: readonly IpPrefix[]): Promise<void>;
  /** Removes those of `prefixes` that are present (matching the label, as the reference's remove_ips);
   *  failures are logged (warn), never thrown. */
  remove(prefixes: readonly IpPrefix[]): Promise<void>;
}

const LOOPBACK_IFNAME = 'lo';
/** `ip address add` exits 2 when the address is already assigned (RTNETLINK EEXIST). */
const IP_EXIT_ALREADY_THERE = 2;

interface AddrInfo {
  family?: unknown;
  local?: unknown;
  prefixlen?: unknown;
  label?: unknown;
}

interface LinkEntry {
  ifname?: unknown;
  addr_info?: unknown;
}

/** A host address to add or remove, with the interface it belongs on. */
interface HostAddress {
  readonly prefix: IpPrefix;
  readonly ifname: string;
}

export function createAddressManager(
  options: AddressOptions,
  deps: { run?: CommandRunner; log: Logger },
): AddressManager {
  const run = deps.run ?? defaultCommandRunner;
  const { log } = deps;
  // An empty label is no label, as in the reference (`if label:`).
  const label = options.label ? options.label : null;
  const sudo = options.sudo ? ['sudo', '-n'] : [];
  const ifnames = discoveryInterfaces(options.ifnames);

  /**
   * The reference's loopback_ips: with a label, only addresses whose label (after `IFNAME:`) matches;
   * without one, every address unless `labelOnly` (so removal without a label removes nothing, as 4.2).
   */
  async function discover(labelOnly: boolean): Promise<IpPrefix[]> {
    const found: IpPrefix[] = [];
    for (const ifname of ifnames) {
      // Reading needs no privilege: no sudo, as the reference.
      const argv = ['ip', '-json', 'address', 'show', 'dev', ifname];
      const result = await run(argv);
      if (result.code !== 0) throw new AddressCommandError(argv, result);
      for (const info of addrInfos(argv, result.stdout, result)) {
        const prefix = hostNetwork(info.local, info.prefixlen);
        if (prefix === null || isLoopback(prefix)) continue;
        if (label !== null) {
          const own = labelPart(info.label, info.ifname);
          if (own === null) continue;
          if (options.labelExactMatch ? own === label : own.startsWith(label)) found.push(prefix);
        } else if (!labelOnly) {
          found.push(prefix);
        }
      }
    }
    log.debug(
      `Addresses found on ${ifnames.join(', ')}: ${found.map((p) => p.text).join(', ') || 'none'}`,
    );
    return found;
  }

  function ipArgv(verb: 'add' | 'delete', host: HostAddress): string[] {
    const argv = [...sudo, 'ip', 'address', verb, host.prefix.text, 'dev', host.ifname];
    if (label !== null) argv.push('label', `${host.ifname}:${label}`);
    return argv;
  }

  function hostAddresses(prefixes: readonly IpPrefix[]): HostAddress[] {
    let total = 0n;
    for (const prefix of prefixes) total += prefixSize(prefix);
    if (total > BigInt(MAX_SETUP_ADDRESSES)) {
      throw new TooManyAddressesError(
        `setting up ${prefixes.map((p) => p.text).join(', ')} means adding ${total} addresses ` +
          `(at most ${MAX_SETUP_ADDRESSES}); use smaller networks or --no-ip-setup`,
      );
    }
    const seen = new Set<string>();
    const out: HostAddress[] = [];
    for (const prefix of prefixes) {
      // As the reference, a network is set up as each of its addresses.
      for (const host of deaggregate(prefix)) {
        if (seen.has(host.text)) continue;
        seen.add(host.text);
        const ifname =
          options.ifnames[host.text] ?? options.ifnames[prefix.text] ?? LOOPBACK_IFNAME;
        out.push({ prefix: host, ifname });
      }
    }
    return out;
  }

  return {
    async resolve(configured) {
      const prefixes = configured.length > 0 ? [...configured] : await discover(false);
      if (prefixes.length === 0) throw new NoIpFoundError();
      return prefixes;
    },

    async setup(prefixes) {
      if (prefixes.length === 0) return;
      const wanted = hostAddresses(prefixes);
      const existing = new Set((await discover(false)).map((p) => p.text));
      for (const host of wanted) {
        if (existing.has(host.prefix.text)) continue;
        const argv = ipArgv('add', host);
        log.debug(`Setup ${host.ifname} IP address ${host.prefix.text}`);
        const result = await run(argv);
        if (result.code === 0) continue;
        if (result.code === IP_EXIT_ALREADY_THERE) {
          log.debug(`${host.prefix.text} is already on ${host.ifname}`);
          continue;
        }
        throw new AddressCommandError(argv, result);
      }
    },

    async remove(prefixes) {
      if (prefixes.length === 0) return;
      let wanted: HostAddress[];
      let existing: Set<string>;
      try {
        wanted = hostAddresses(prefixes);
        existing = new Set((await discover(true)).map((p) => p.text));
      } catch (error) {
        log.warn(`Unable to list the addresses to remove: ${describe(error)}`);
        return;
      }
      for (const host of wanted) {
        if (!existing.has(host.prefix.text)) continue;
        const argv = ipArgv('delete', host);
        log.debug(`Remove ${host.ifname} IP address ${host.prefix.text}`);
        try {
          const result = await run(argv);
          if (result.code !== 0) throw new AddressCommandError(argv, result);
        } catch (error) {
          log.warn(
            `Unable to remove ${host.ifname} IP address ${host.prefix.text} ` +
              `(after --user, removing needs --sudo and a sudoers entry): ${describe(error)}`,
          );
        }
      }
    },
  };
}

/** lo first, then each interface named by --ip-ifname once, in the order given. */
function discoveryInterfaces(ifnames: Readonly<Record<string, string>>): string[] {
  return [...new Set([LOOPBACK_IFNAME, ...Object.values(ifnames)])];
}

/** The addresses of `ip -json address show dev X`, each with the interface it is on. */
function addrInfos(argv: readonly string[], stdout: string, result: CommandResult) {
  let parsed: unknown;
  try {
    parsed = stdout.trim() === '' ? [] : JSON.parse(stdout);
  } catch {
    throw fail(argv, result);
  }
  if (!Array.isArray(parsed)) throw fail(argv, result);
  const out: (AddrInfo & { ifname: string })[] = [];
  for (const link of parsed as LinkEntry[]) {
    if (typeof link !== 'object' || link === null) throw fail(argv, result);
    const ifname = typeof link.ifname === 'string' ? link.ifname : (argv[argv.length - 1] ?? '');
    const infos = Array.isArray(link.addr_info) ? (link.addr_info as AddrInfo[]) : [];
    for (const info of infos) {
      if (typeof info !== 'object' || info === null) continue;
      if (info.family !== 'inet' && info.family !== 'inet6') continue;
      out.push({ ...info, ifname });
    }
  }
  return out;
}

function fail(argv: readonly string[], result: CommandResult): AddressCommandError {
  return new AddressCommandError(argv, result, 'printed something that is not the expected JSON');
}

/** The network of an address as the reference sees it: host bits set means it is skipped (strict). */
function hostNetwork(local: unknown, prefixlen: unknown): IpPrefix | null {
  if (typeof local !== 'string' || typeof prefixlen !== 'number') return null;
  try {
    return parseIpPrefix(`${local}/${prefixlen}`);
  } catch {
    return null;
  }
}

/** `web1` for the label `lo:web1` on lo; null when the address has no label of its own (IPv6 never has). */
function labelPart(label: unknown, ifname: string): string | null {
  if (typeof label !== 'string' || !label.startsWith(`${ifname}:`)) return null;
  return label.slice(ifname.length + 1);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
