// Entry point: sub-commands by name, otherwise the ExaBGP-compatible healthcheck process.
import { closestName } from '../config/did-you-mean.js';
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
  if (first !== undefined && !first.startsWith('-')) {
    // A mistyped sub-command would otherwise read as a stray argument of the healthcheck.
    const close = closestName(first, Object.keys(SUBCOMMANDS));
    if (close !== undefined) {
      io.stderr(`bgp-healthcheck: error: unknown command '${first}'; did you mean '${close}'?\n`);
      return 2;
    }
  }
  return runHealthcheck(argv);
}

/** Runs the command line of this process and exits with its status (the bin and the executable). */
export function runProgram(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      // Exit explicitly: stdin and timers would keep a finished process alive.
      process.exit(code);
    },
    (error: unknown) => {
      process.stderr.write(
        `bgp-healthcheck: unexpected error: ${(error instanceof Error && error.stack) || String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
