/** A user error: the CLI prints it on one line and exits with status 2, having written nothing. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
