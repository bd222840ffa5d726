/** `chatsphere device link [code] | list | revoke <id>`: one identity on several devices (src/devices). */
import { hostname } from 'node:os'
import { generate, correction } from 'lean-qr'
import { CLI_CONNECT_TIMEOUT_MS } from '../constants.ts'
import { NotFoundError } from '../errors.ts'
import { openChat } from './context.ts'
import { CliError, EXIT_UNREACHABLE, EXIT_USAGE } from './exit.ts'
import type { GlobalOptions } from './context.ts'
import type { Chat, DeviceInfo } from '../chat/types.ts'

/** Default device name of a CLI peer. */
function deviceName (opts: { name?: string }): string {
  return (opts.name ?? hostname()).slice(0, 64).trim() || 'cli'
}

/** A QR code for a terminal: two module rows per text line with half blocks, with a quiet zone, dark on light. */
export function terminalQr (text: string): string {
  const qr = generate(text, { minCorrectionLevel: correction.M })
  const quiet = 2
  const n = qr.size + quiet * 2
  const dark = (x: number, y: number): boolean => x >= quiet && y >= quiet && x < n - quiet && y < n - quiet && qr.get(x - quiet, y - quiet)
  const lines: string[] = []
  // Light background, dark modules: '█' both light, ' ' both dark, '▀' top light, '▄' bottom light.
  for (let y = 0; y < n; y += 2) {
    let line = ''
    for (let x = 0; x < n; x++) {
      const top = dark(x, y)
      const bottom = y + 1 < n ? dark(x, y + 1) : false
      line += top ? (bottom ? ' ' : '▄') : (bottom ? '▀' : '█')
    }
    lines.push(line)
  }
  return lines.join('\n')
}

async function online (g: GlobalOptions, name: string, createIdentity: boolean): Promise<Chat> {
  const chat = await openChat(g, { online: true, createIdentity, deviceName: name })
  if (g.relay.length > 0 && !await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)) {
    await chat.close()
    throw new CliError('no relay reachable: linking across networks goes through a relay (--relay <url>)', EXIT_UNREACHABLE)
  }
  return chat
}

function printDevice (g: GlobalOptions, d: DeviceInfo): string {
  if (g.json) return JSON.stringify(d)
  const added = d.addedAt > 0 ? new Date(d.addedAt).toISOString().slice(0, 16).replace('T', ' ') : 'not linked yet'
  return `${d.current ? '*' : ' '} ${d.id}  ${d.name}  added ${added}${d.revoked ? `  REVOKED${d.revokedAt != null ? ' ' + new Date(d.revokedAt).toISOString().slice(0, 16).replace('T', ' ') : ''}` : ''}`
}

/** New device: shows a link code and waits until a device that holds the identity links it. */
export async function deviceLinkNew (g: GlobalOptions, opts: { name?: string, replace?: boolean }): Promise<void> {
  let chat: Chat
  try {
    chat = await online(g, deviceName(opts), false)
    if (opts.replace !== true) {
      const user = chat.user.userId
      await chat.close()
      throw new CliError(`this data dir already has an identity (${user}); linking replaces it with the identity of the other device. Back it up (chatsphere id export) and add --replace, or use another --data dir`, EXIT_USAGE)
    }
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err
    // No identity yet: a throwaway one runs the network until the link brings the real one.
    chat = await online(g, deviceName(opts), true)
  }
  try {
    const offer = await chat.createLinkOffer()
    if (g.json) {
      process.stdout.write(JSON.stringify({ code: offer.code, expires: offer.expires }) + '\n')
    } else {
      process.stdout.write(`${terminalQr(offer.code)}\n\nOn the device that has your identity, run:\n  chatsphere device link ${offer.code}\n(or scan the code in the web app: Settings → Linked devices). Valid until ${new Date(offer.expires).toLocaleTimeString()}. Waiting…\n`)
    }
    const done = await offer.done
    process.stdout.write(g.json ? JSON.stringify({ linked: done.userId, rooms: done.rooms }) + '\n' : `linked: this device is now ${done.userId} (${done.rooms} rooms; history arrives through the relay)\n`)
  } finally { await chat.close() }
}

/** Existing device: links the device showing `code`. */
export async function deviceLinkExisting (g: GlobalOptions, code: string, opts: { name?: string }): Promise<void> {
  const chat = await online(g, deviceName(opts), false)
  try {
    const d = await chat.linkDevice(code)
    process.stdout.write(g.json ? JSON.stringify(d) + '\n' : `linked ${d.name} (${d.id})\n`)
  } finally { await chat.close() }
}

export async function deviceList (g: GlobalOptions): Promise<void> {
  const chat = await openChat(g, { online: false, deviceName: deviceName({}) })
  try {
    for (const d of chat.devices()) process.stdout.write(printDevice(g, d) + '\n')
  } finally { await chat.close() }
}

/** A device by exact id, exact name or unique id prefix. */
function findDevice (list: DeviceInfo[], ref: string): DeviceInfo {
  const exact = list.filter(d => d.id === ref || d.name === ref)
  if (exact.length === 1) return exact[0] as DeviceInfo
  const byPrefix = list.filter(d => d.id.startsWith(ref))
  if (exact.length > 1 || byPrefix.length > 1) throw new CliError(`"${ref}" names more than one device; use its id (chatsphere device list)`, EXIT_USAGE)
  if (byPrefix.length === 1) return byPrefix[0] as DeviceInfo
  throw new CliError(`no device "${ref}" (see: chatsphere device list)`)
}

export async function deviceRevoke (g: GlobalOptions, ref: string): Promise<void> {
  const chat = await online(g, deviceName({}), false)
  try {
    const d = findDevice(chat.devices(), ref)
    const res = await chat.revokeDevice(d.id)
    // The revocation and the new epochs are stored; give a relay the chance to hold them before exiting.
    for (const r of chat.rooms()) await chat.waitForRelaySync(r.id, CLI_CONNECT_TIMEOUT_MS)
    if (g.json) {
      process.stdout.write(JSON.stringify(res) + '\n')
    } else {
      process.stdout.write(`revoked ${d.name} (${d.id}); ${res.rotated} room(s) moved to a new key it does not have\n`)
      if (res.notRotated.length > 0) process.stdout.write(`warning: ${res.notRotated.length} room(s) could not change key (your role there does not allow it); the revoked device can still read them: ${res.notRotated.map(r => r.slice(0, 12)).join(', ')}\n`)
      process.stdout.write('a revoked device that kept your recovery phrase can still sign as you: if it was stolen, create a new identity\n')
    }
  } finally { await chat.close() }
}
