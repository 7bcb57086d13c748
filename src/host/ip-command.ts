// Runs `ip` (and `sudo -n ip`) as argv arrays with a time bound; failures become errors that say what ran.
import { execFile } from 'node:child_process';

export interface CommandResult {
  /** Exit status, or null when the command could not start or was killed. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

interface ExecFailure {
  code?: number | string;
  killed?: boolean;
  signal?: NodeJS.Signals | null;
  message: string;
}

/** Runs argv[0] with the rest as arguments, never through a shell; killed after 10 s. */
export const defaultCommandRunner: CommandRunner = (argv) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (file === undefined) {
      resolve({ code: null, stdout: '', stderr: 'empty command' });
      return;
    }
    execFile(
      file,
      args,
      { timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const failure = error as ExecFailure;
        if (typeof failure.code === 'number') {
          resolve({ code: failure.code, stdout, stderr });
          return;
        }
        // Not an exit status: the command did not start (ENOENT), timed out or overflowed its buffer.
        const why = failure.killed
          ? `killed by ${failure.signal ?? 'a signal'} (time limit ${TIMEOUT_MS / 1000} s or output limit)`
          : failure.message;
        resolve({ code: null, stdout, stderr: stderr ? `${stderr.trimEnd()}\n${why}` : why });
      },
    );
  });

/** A command that failed: names the command, its exit status and what it printed on stderr. */
export class AddressCommandError extends Error {
  override readonly name = 'AddressCommandError';
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly stderr: string;

  constructor(argv: readonly string[], result: CommandResult, detail?: string) {
    const status = result.code === null ? 'did not complete' : `exited with status ${result.code}`;
    const stderr = result.stderr.trim();
    const what = detail ?? (stderr ? `: ${stderr}` : ' (no output on stderr)');
    super(`command '${argv.join(' ')}' ${status}${detail === undefined ? what : `: ${what}`}`);
    this.argv = argv;
    this.code = result.code;
    this.stderr = result.stderr;
  }
}
