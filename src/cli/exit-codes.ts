/** Exit codes every command keeps to, so scripts and monitors can branch on them. */
export const EXIT = {
  ok: 0,
  /** A finding: the address is listed, or a check found something that needs a person. */
  finding: 1,
  /** Bad usage or configuration: nothing was done. */
  usage: 2,
  /** The operation failed at run time (store unreachable, list refresh refused, ...). */
  failed: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends a command with a message for the person at the terminal and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
