// The logging interface every layer writes to; the runtime decides where lines go and in which format.

/** How lines are written: for people (text), or one object per line (json, logfmt). */
export const LOG_FORMATS = ['text', 'json', 'logfmt'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Values attached to one event: `service`, `state`, `reason`... one flat level, as logfmt allows. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything, for tests and for code paths that must stay silent. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
