// Network namespaces for multi-host labs: create, run inside, and always delete.
import { runChecked, runCommand } from './exec.js';

/** The command line that runs `command` inside namespace `netns` (or as is, without one). */
export function inNamespace(
  netns: string | undefined,
  command: string,
  args: readonly string[],
): [string, string[]] {
  return netns === undefined
    ? [command, [...args]]
    : ['ip', ['netns', 'exec', netns, command, ...args]];
}

export async function addNamespace(name: string): Promise<void> {
  await runChecked('ip', ['netns', 'add', name]);
  // A new namespace's lo is down, and services bound to 127.0.0.1 need it.
  await runChecked('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNamespace(name: string): Promise<void> {
  await runCommand('ip', ['netns', 'delete', name]);
}

export async function namespaceExists(name: string): Promise<boolean> {
  const result = await runCommand('ip', ['netns', 'list']);
  return result.stdout.split('\n').some((line) => line.split(' ')[0] === name);
}

/** Joins two namespaces with a veth pair, each end addressed and up. */
export async function linkNamespaces(
  a: { netns: string; ifname: string; address: string },
  b: { netns: string; ifname: string; address: string },
): Promise<void> {
  await runChecked('ip', [
    'link',
    'add',
    a.ifname,
    'netns',
    a.netns,
    'type',
    'veth',
    'peer',
    'name',
    b.ifname,
    'netns',
    b.netns,
  ]);
  for (const end of [a, b]) {
    await runChecked('ip', ['-n', end.netns, 'address', 'add', end.address, 'dev', end.ifname]);
    await runChecked('ip', ['-n', end.netns, 'link', 'set', end.ifname, 'up']);
  }
}

/**
 * Gives namespace `netns` a veth pair (both ends inside) with `addresses` on its first end: routes
 * to them are then connected ones, which FRR's next-hop tracking accepts (lo's 127/8 it does not).
 */
export async function addConnectedAddresses(
  netns: string,
  ifname: string,
  addresses: readonly string[],
): Promise<void> {
  await runChecked('ip', [
    '-n',
    netns,
    'link',
    'add',
    ifname,
    'type',
    'veth',
    'peer',
    'name',
    `${ifname}p`,
  ]);
  for (const address of addresses)
    await runChecked('ip', ['-n', netns, 'address', 'add', address, 'dev', ifname]);
  for (const name of [ifname, `${ifname}p`])
    await runChecked('ip', ['-n', netns, 'link', 'set', name, 'up']);
}
