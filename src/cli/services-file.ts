// Loads a structured (YAML) services file for the healthcheck process; problems become a ConfigError.
import { readRegularFile } from '../host/regular-file.js';
import type { YamlConfig } from '../config/yaml.js';
import { ConfigError } from '../config/errors.js';
import { collectGarbage } from '../host/memory.js';

export async function loadServicesFile(path: string): Promise<YamlConfig> {
  // Loaded on demand: the drop-in command line never pays for the YAML and schema libraries.
  const { loadYamlConfig } = await import('../config/yaml.js');
  let text: string;
  try {
    text = readRegularFile(path);
  } catch (error) {
    throw new ConfigError([
      { path: '--config', message: `cannot read '${path}': ${(error as Error).message}` },
    ]);
  }
  const result = loadYamlConfig(text, path);
  if (!result.ok) throw new ConfigError(result.issues.map((i) => ({ ...i, file: path })));
  // The parsed document is garbage now: collect it before the services grow the heap around it.
  collectGarbage();
  return result.config;
}
