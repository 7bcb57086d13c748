// `convert --from anycast-healthchecker [MAIN.conf] [SERVICE_DIR]`: its INI files as a YAML config.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '../config/errors.js';
import {
  convertAnycastHealthchecker,
  formatWarning,
  type IniSource,
} from '../config/from-anycast-healthchecker.js';
import type { CliIo } from './io.js';

export const DEFAULT_MAIN = '/etc/anycast-healthchecker.conf';
export const DEFAULT_SERVICE_DIR = '/etc/anycast-healthchecker.d';

class ReadError extends Error {}

async function readSource(io: CliIo, file: string): Promise<IniSource> {
  try {
    return { file, text: await io.readFile(file) };
  } catch (error) {
    throw new ReadError(`${file}: cannot read: ${(error as Error).message}`);
  }
}

/** The service files: the directory's *.conf files in name order, as anycast-healthchecker globs them. */
async function serviceFiles(io: CliIo, dir: string): Promise<IniSource[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new ReadError(`${dir}: cannot read the service directory: ${(error as Error).message}`);
  }
  const files = names.filter((name) => name.endsWith('.conf')).sort();
  return Promise.all(files.map((name) => readSource(io, join(dir, name))));
}

export async function convertFromAnycast(
  args: string[],
  io: CliIo,
  usage: string,
): Promise<number> {
  if (args.length > 2 || args.some((arg) => arg.startsWith('-'))) {
    io.stderr(usage);
    return 2;
  }
  const [main = DEFAULT_MAIN, dir = DEFAULT_SERVICE_DIR] = args;
  try {
    const result = convertAnycastHealthchecker(
      await readSource(io, main),
      await serviceFiles(io, dir),
    );
    for (const warning of result.warnings) io.stderr(`warning: ${formatWarning(warning)}\n`);
    io.stdout(result.yaml);
    return 0;
  } catch (error) {
    if (error instanceof ReadError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      for (const issue of error.issues) io.stderr(`${formatIssue(issue)}\n`);
      return 2;
    }
    throw error;
  }
}
