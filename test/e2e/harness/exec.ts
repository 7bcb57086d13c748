// Runs a short command (gobgp, birdc, ip) to completion with a time limit.
import { execFile } from 'node:child_process';
import { resolveCommand } from './tools.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(
  command: string,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      resolveCommand(command),
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
      },
    );
  });
}

/** Like runCommand, but a non-zero exit is an error that shows the command and its stderr. */
export async function runChecked(
  command: string,
  args: readonly string[],
  timeoutMs = 5000,
): Promise<string> {
  const result = await runCommand(command, args, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}
