// Typed errors for values that fail their grammar; config layers turn them into located messages.

/** A value that is outside its grammar. `message` says what was expected. */
export class InvalidValueError extends Error {
  override readonly name = 'InvalidValueError';
}
