// The message of the ConfigError that `run` throws (a test fails when it throws none).
import { ConfigError } from '../../src/config/errors.js';

export function configErrorOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('no ConfigError was thrown');
}
