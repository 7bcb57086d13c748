// Typed errors for values that fail their grammar; config layers turn them into located messages.

/** A value that is outside its grammar. `message` says what was expected. */
export class InvalidValueError extends Error {
  override readonly name = 'InvalidValueError';
}

/** Why a file could not be read, for a message: its errno code (ENOENT, EACCES) or else its message. */
export function readFailureReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.message;
}
