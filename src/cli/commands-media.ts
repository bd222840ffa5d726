/** `chatsphere send-file` and `chatsphere get`: files sent in a room and fetched peer to peer (src/media). */
import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, extname, join, resolve } from 'node:path'
import { CLI_CONNECT_TIMEOUT_MS, SEND_RELAY_WAIT_MS } from '../constants.ts'
import { openChat } from './context.ts'
import { CliError, EXIT_UNREACHABLE, EXIT_USAGE } from './exit.ts'
import type { GlobalOptions } from './context.ts'
import type { FetchProgress } from '../media/types.ts'

/** Exit code of a fetch cancelled with Ctrl-C (128 + SIGINT), as shells expect. */
const EXIT_CANCELLED = 130

/** MIME types guessed from the file extension (the receiver never trusts them for rendering). */
const MIME_BY_EXT: Record<string, string> = {
  '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif',
  '.mp4': 'video/mp4', '.webm': 'video/webm', '.mov': 'video/quicktime', '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.opus': 'audio/ogg',
  '.m4a': 'audio/mp4', '.wav': 'audio/wav', '.pdf': 'application/pdf', '.txt': 'text/plain', '.zip': 'application/zip',
  '.svg': 'image/svg+xml', '.html': 'text/html', '.json': 'application/json'
}

export function guessMime (path: string): string {
  return MIME_BY_EXT[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

/** Human size: 1.5 MiB, 320 KiB, 12 B. */
export function formatBytes (n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`
  return `${n} B`
}

function formatDuration (ms: number): string {
  if (!Number.isFinite(ms)) return '--:--'
  const s = Math.ceil(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** One progress line: bar, bytes, rate, time left, path. */
export function progressLine (p: FetchProgress): string {
  const width = 24
  const done = p.total === 0 ? width : Math.round(width * p.bytes / p.total)
  const bar = '#'.repeat(done) + '.'.repeat(width - done)
  const rate = p.rate > 0 ? `${formatBytes(p.rate)}/s` : '-- /s'
  return `[${bar}] ${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${rate}  ${formatDuration(p.etaMs)} left  (${p.path}${p.peerId != null ? ` from …${p.peerId.slice(-8)}` : ''})`
}

async function untilSignal (): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve() }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

export async function sendFile (g: GlobalOptions, ref: string, path: string, opts: { name?: string, mime?: string, serve?: boolean }): Promise<void> {
  let bytes: Uint8Array
  try {
    const s = await stat(path)
    if (!s.isFile()) throw new CliError(`${path} is not a file`, EXIT_USAGE)
    const b = await readFile(path)
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT_USAGE)
  }
  const chat = await openChat(g, { online: true })
  try {
    const room = chat.room(ref)
    const relayUp = g.relay.length > 0 && await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)
    const sent = await chat.sendFile(room.id, { name: opts.name ?? basename(path), mime: opts.mime ?? guessMime(path), bytes })
    const held = relayUp && await chat.waitForRelayHold(room.id, sent.id, SEND_RELAY_WAIT_MS)
    const info = await chat.mediaFile(room.id, sent.id)
    if (g.json) process.stdout.write(JSON.stringify({ id: sent.id, room: room.id, name: info.name, mime: info.mime, size: info.size, hash: info.hash, handedToNetwork: sent.handedToNetwork || held }) + '\n')
    else process.stdout.write(`${sent.id}\n`)
    if (!sent.handedToNetwork && !held) {
      throw new CliError('the file message is stored locally only (no relay or peer online); it is sent the next time this peer is online', EXIT_UNREACHABLE)
    }
    if (opts.serve === true) {
      process.stderr.write(`serving ${info.name} (${formatBytes(info.size)}) to room members; Ctrl-C to stop\n`)
      await untilSignal()
    } else {
      process.stderr.write(`sent ${info.name} (${formatBytes(info.size)}); members fetch it from this peer while it is online (or with --serve), or from others who got it\n`)
    }
  } finally {
    await chat.close()
  }
}

/** A file name from a message, safe to create in a directory: no path, no leading dots, no control characters. */
export function safeFileName (name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f]/g, '').replace(/^\.+/, '').trim()
  return cleaned.length > 0 ? cleaned.slice(0, 200) : 'download'
}

export async function get (g: GlobalOptions, ref: string, messageId: string, opts: { output?: string, force?: boolean }): Promise<void> {
  const chat = await openChat(g, { online: true })
  const abort = new AbortController()
  const onSignal = (): void => { abort.abort() }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  const tty = process.stderr.isTTY === true
  let lastLine = 0
  try {
    const room = chat.room(ref)
    const relayUp = g.relay.length > 0 && await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)
    if (relayUp) await chat.waitForRelaySync(room.id, CLI_CONNECT_TIMEOUT_MS)
    const info = await chat.mediaFile(room.id, messageId).catch((err: unknown) => {
      if ((err as Error).name === 'NotFoundError' && g.relay.length > 0 && !relayUp) throw new CliError(`no relay reachable (tried ${g.relay.join(', ')}) and the message is not here yet`, EXIT_UNREACHABLE)
      throw err
    })
    const out = opts.output === '-' ? '-' : resolve(opts.output ?? safeFileName(info.name))
    if (out !== '-' && opts.force !== true && await stat(out).then(() => true, () => false)) {
      throw new CliError(`${out} exists (use --force to overwrite)`, EXIT_USAGE)
    }
    let last: FetchProgress | undefined
    const bytes = await chat.fetchFile(room.id, messageId, {
      signal: abort.signal,
      onProgress: (p) => {
        last = p
        const now = Date.now()
        if (tty) process.stderr.write(`\r${progressLine(p)}\u001b[K`)
        else if (now - lastLine >= 1000 || p.bytes === p.total) { lastLine = now; process.stderr.write(progressLine(p) + '\n') }
      }
    }).catch((err: unknown) => {
      if (tty) process.stderr.write('\n')
      const e = err as Error
      if (e.name === 'TransferCancelledError') throw new CliError(`cancelled; ${formatBytes(last?.bytes ?? 0)} kept, run the same command to resume`, EXIT_CANCELLED)
      if (e.name === 'MediaUnavailableError') throw new CliError(e.message, EXIT_UNREACHABLE)
      throw err
    })
    if (tty) process.stderr.write('\n')
    if (out === '-') {
      await new Promise<void>((res, rej) => { process.stdout.write(bytes, (err) => { if (err != null) rej(err); else res() }) })
    } else {
      // Written beside the target, then renamed: a cut write never leaves a truncated file under the final name.
      const tmp = join(dirname(out), `.${basename(out)}.part`)
      const fh = await open(tmp, 'w')
      try {
        await fh.writeFile(bytes)
        await fh.sync()
      } finally { await fh.close() }
      await rename(tmp, out).catch(async (err: unknown) => { await rm(tmp, { force: true }); throw err })
      if (g.json) process.stdout.write(JSON.stringify({ id: info.id, room: room.id, path: out, size: bytes.length, hash: info.hash, via: last?.path ?? 'local' }) + '\n')
      else process.stdout.write(`${out}\n`)
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await chat.close()
  }
}
