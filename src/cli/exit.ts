/** Exit codes of the `chatsphere` command. */
export const EXIT_OK = 0
/** Something failed (unknown room, wrong passphrase, locked data dir, ...). */
export const EXIT_ERROR = 1
/** The command line itself is wrong. */
export const EXIT_USAGE = 2
/** The network part failed: no relay reachable, or a message stored locally only. */
export const EXIT_UNREACHABLE = 3

/** An error the CLI reports as one line and a specific exit code. */
export class CliError extends Error {
  readonly code: number
  constructor (message: string, code: number = EXIT_ERROR) {
    super(message)
    this.name = 'CliError'
    this.code = code
  }
}
