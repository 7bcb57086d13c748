// Config errors that name where the bad value came from; the CLI prints them and exits 2.

/** One problem in a configuration: where it is and what was expected. */
export interface ConfigIssue {
  /** The option (`--interval`) or the path in a structured file (`services[2].checks[0].url`). */
  readonly path: string;
  /** The file and line, when the value came from a file. */
  readonly file?: string;
  readonly line?: number;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file ? `${issue.file}${issue.line ? `:${issue.line}` : ''}: ` : '';
  return `${where}${issue.path}: ${issue.message}`;
}
