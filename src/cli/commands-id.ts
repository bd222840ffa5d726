/** `chatsphere id create|show|export|import`. */
import { readFile, writeFile } from 'node:fs/promises'
import { openStorage } from '#storage'
import { createIdentity } from '../identity/identity.ts'
import { exportKeyFile, importKeyFile } from '../identity/keyfile.ts'
import { mnemonicToSeed, seedToMnemonic } from '../identity/mnemonic.ts'
import { identityFromSeed } from '../identity/identity.ts'
import { fingerprint } from '../identity/user-id.ts'
import { loadIdentity, saveName, loadName, META_IDENTITY } from '../chat/local-state.ts'
import { CliError, EXIT_USAGE } from './exit.ts'
import type { GlobalOptions } from './context.ts'
import type { Identity } from '../identity/identity.ts'
import type { StorageBackend } from '../history/types.ts'

async function withStorage<T> (g: GlobalOptions, fn: (s: StorageBackend) => Promise<T>): Promise<T> {
  const storage = await openStorage({ dir: g.data })
  try { return await fn(storage) } finally { await storage.close() }
}

async function passphrase (opts: { passphraseFile?: string }): Promise<string> {
  if (opts.passphraseFile != null) return (await readFile(opts.passphraseFile, 'utf8')).replace(/\r?\n$/, '')
  const env = process.env.CHATSPHERE_PASSPHRASE
  if (env != null && env.length > 0) return env
  throw new CliError('a key file needs a passphrase: set CHATSPHERE_PASSPHRASE or give --passphrase-file <file>', EXIT_USAGE)
}

function describe (g: GlobalOptions, identity: Identity, name: string | undefined, extra: Record<string, string> = {}): void {
  const info = { userId: identity.userId, fingerprint: fingerprint(identity.publicKey), name: name ?? null, ...extra }
  if (g.json) { process.stdout.write(JSON.stringify(info) + '\n'); return }
  process.stdout.write(`user id:     ${info.userId}\nfingerprint: ${info.fingerprint}\n${name != null ? `name:        ${name}\n` : ''}`)
}

async function store (g: GlobalOptions, identity: Identity, force: boolean, name?: string): Promise<void> {
  await withStorage(g, async (s) => {
    if (await s.getMeta(META_IDENTITY) != null && !force) {
      throw new CliError(`an identity already exists in ${g.data} (see: chatsphere id show); add --force to replace it`)
    }
    await loadIdentity(s, identity, false)
    if (name != null) await saveName(s, name)
  })
}

export async function idCreate (g: GlobalOptions, opts: { name?: string, force?: boolean }): Promise<void> {
  const identity = createIdentity()
  await store(g, identity, opts.force === true, opts.name)
  const mnemonic = seedToMnemonic(identity.seed)
  if (g.json) { describe(g, identity, opts.name, { mnemonic }); return }
  describe(g, identity, opts.name)
  process.stdout.write(`recovery phrase (write it down and keep it secret: anyone who has it is you):\n${mnemonic}\n`)
}

export async function idShow (g: GlobalOptions): Promise<void> {
  await withStorage(g, async (s) => {
    const identity = await loadIdentity(s, undefined, false)
    describe(g, identity, await loadName(s))
  })
}

export async function idExport (g: GlobalOptions, opts: { keyFile?: string, mnemonic?: boolean, passphraseFile?: string }): Promise<void> {
  if ((opts.keyFile == null) === (opts.mnemonic !== true)) throw new CliError('choose one: --mnemonic or --key-file <file>', EXIT_USAGE)
  const identity = await withStorage(g, async (s) => await loadIdentity(s, undefined, false))
  if (opts.mnemonic === true) {
    const words = seedToMnemonic(identity.seed)
    process.stdout.write(g.json ? JSON.stringify({ userId: identity.userId, mnemonic: words }) + '\n' : words + '\n')
    return
  }
  const text = await exportKeyFile(identity, await passphrase(opts))
  await writeFile(opts.keyFile as string, text, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EEXIST') throw new CliError(`${opts.keyFile ?? ''} already exists; choose another file name`)
    throw err
  })
  process.stdout.write(g.json ? JSON.stringify({ userId: identity.userId, keyFile: opts.keyFile }) + '\n' : `key file written to ${opts.keyFile ?? ''}\n`)
}

export async function idImport (g: GlobalOptions, opts: { keyFile?: string, mnemonic?: string, passphraseFile?: string, force?: boolean, name?: string }): Promise<void> {
  if ((opts.keyFile == null) === (opts.mnemonic == null)) throw new CliError('choose one: --mnemonic "<24 words>" or --key-file <file>', EXIT_USAGE)
  const identity = opts.mnemonic != null
    ? identityFromSeed(mnemonicToSeed(opts.mnemonic))
    : await importKeyFile(await readFile(opts.keyFile as string, 'utf8'), await passphrase(opts))
  await store(g, identity, opts.force === true, opts.name)
  describe(g, identity, opts.name)
}
