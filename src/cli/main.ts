// Entry point: sub-commands by name, otherwise the ExaBGP-compatible healthcheck process.
import { readRegularFile } from '../host/regular-file.js';
import type { CliIo } from './io.js';
import { runHealthcheck } from './run-healthcheck.js';

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  // Config files are small; read at once, a FIFO or a device refused rather than waited on.
  // A throw inside the executor rejects the promise.
  readFile: (path) => new Promise((resolve) => resolve(readRegularFile(path))),
};

type SubCommand = (args: string[], io: CliIo) => Promise<number>;

const SUBCOMMANDS: Record<string, () => Promise<SubCommand>> = {
  'check-config': async () => (await import('./check-config.js')).checkConfigCommand,
  convert: async () => (await import('./convert.js')).convertCommand,
  ctl: async () => (await import('./ctl.js')).ctlCommand,
  nagios: async () => (await import('./nagios.js')).nagiosCommand,
};

/** The sub-command names. */
export const SUBCOMMAND_NAMES: readonly string[] = Object.keys(SUBCOMMANDS);

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  const sub = first !== undefined ? SUBCOMMANDS[first] : undefined;
  if (sub) return (await sub())(rest, io);
  return runHealthcheck(argv);
}
