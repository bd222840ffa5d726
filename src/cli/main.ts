/**
 * Entry of the `chatsphere` command (bin/chatsphere.mjs runs this under Node 22). Errors end as one line on stderr
 * and a non-zero exit code: 1 failure, 2 bad usage, 3 network (no relay reachable, stored locally only).
 */
import { CommanderError } from 'commander'
import type { Command } from 'commander'
import { ChatSphereError } from '../errors.ts'
import { CliError, EXIT_ERROR, EXIT_USAGE } from './exit.ts'
import { buildProgram } from './program.ts'

/** relay/ is not part of the core: load it by path only when `chatsphere relay` runs. */
const relayCli = new URL('../../relay/cli.ts', import.meta.url).href

function firstLine (text: string): string {
  return text.split('\n').map(l => l.trim()).find(l => l.length > 0) ?? 'failed'
}

export async function main (argv: string[]): Promise<number> {
  const program = buildProgram(async (args, defaults) => {
    const mod = await import(relayCli) as { runRelayCli: (argv: string[], d: { data?: string }) => Promise<void> }
    await mod.runRelayCli(args, defaults)
  })
  const output = { writeErr: (s: string) => { process.stderr.write(`chatsphere: ${firstLine(s).replace(/^error: /, '')}\n`) } }
  const configure = (c: Command): void => {
    c.exitOverride()
    c.configureOutput(output)
    for (const sub of c.commands) configure(sub)
  }
  configure(program)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0
      return err.exitCode === 0 ? 0 : EXIT_USAGE
    }
    if (err instanceof CliError) {
      process.stderr.write(`chatsphere: ${err.message}\n`)
      return err.code
    }
    if (err instanceof ChatSphereError) {
      process.stderr.write(`chatsphere: ${firstLine(err.message)}\n`)
      return err.name === 'InvalidArgumentError' || err.name === 'InvalidInviteError' ? EXIT_USAGE : EXIT_ERROR
    }
    const e = err as NodeJS.ErrnoException
    process.stderr.write(`chatsphere: ${firstLine(e?.message ?? String(err))}\n`)
    if (process.env.CHATSPHERE_DEBUG === '1') process.stderr.write(`${e?.stack ?? ''}\n`)
    return EXIT_ERROR
  }
}

const code = await main(process.argv.slice(2))
// libp2p and timers may hold the event loop a little after close(); the command is done.
process.exit(code)
