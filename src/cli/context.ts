/**
 * What every command shares: the global options, opening the data dir, and turning relays and environment variables
 * into chat options.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../chat/index.ts'
import { DEFAULT_DATA_DIR_NAME } from '../constants.ts'
import type { Chat, ChatInit } from '../chat/index.ts'

/** Global options (after commander parsed them and the environment filled the gaps). */
export interface GlobalOptions {
  data: string
  relay: string[]
  mdns: boolean
  /** Ask relays to keep our rooms' history (default true). */
  keep: boolean
  json: boolean
  listen: string[]
  webrtc: boolean
  webrtcBind?: string
}

/** Environment variables the peer commands read (documented in --help). */
export const PEER_ENV = {
  CHATSPHERE_DATA: 'data directory (like --data)',
  CHATSPHERE_RELAYS: 'comma-separated relays (like repeated --relay)',
  CHATSPHERE_PASSPHRASE: 'passphrase of a key file (id export/import --key-file)',
  CHATSPHERE_LISTEN: 'comma-separated libp2p listen addresses (like repeated --listen)',
  CHATSPHERE_NO_MDNS: 'set to 1 to turn mDNS off (like --no-mdns)'
} as const

export function defaultDataDir (): string {
  return process.env.CHATSPHERE_DATA ?? join(homedir(), DEFAULT_DATA_DIR_NAME)
}

function listEnv (name: string): string[] {
  return (process.env[name] ?? '').split(',').map(s => s.trim()).filter(s => s.length > 0)
}

/** Fills options the user left out from the environment. */
export function resolveGlobals (raw: Record<string, unknown>): GlobalOptions {
  const relay = (raw.relay as string[] | undefined) ?? []
  const listen = (raw.listen as string[] | undefined) ?? []
  const out: GlobalOptions = {
    data: (raw.data as string | undefined) ?? defaultDataDir(),
    relay: relay.length > 0 ? relay : listEnv('CHATSPHERE_RELAYS'),
    mdns: raw.mdns !== false && process.env.CHATSPHERE_NO_MDNS !== '1',
    keep: raw.keep !== false,
    json: raw.json === true,
    listen: listen.length > 0 ? listen : listEnv('CHATSPHERE_LISTEN'),
    webrtc: raw.webrtc !== false
  }
  if (typeof raw.webrtcBind === 'string') out.webrtcBind = raw.webrtcBind
  return out
}

/** Opens the chat of the data dir; `online` starts libp2p and the relays. */
export async function openChat (g: GlobalOptions, options: { online: boolean, createIdentity?: boolean } & Partial<ChatInit>): Promise<Chat> {
  const { online, ...rest } = options
  const init: ChatInit = { dataDir: g.data, relays: g.relay, mdns: g.mdns, keep: g.keep, offline: !online, createIdentity: false, webrtc: g.webrtc, ...rest }
  if (g.listen.length > 0) init.listen = g.listen
  if (g.webrtcBind != null) init.webrtcBindAddress = g.webrtcBind
  const web = g.relay.find(r => /^https?:\/\//i.test(r))
  if (web != null && init.inviteOrigin == null) init.inviteOrigin = new URL(web).origin
  return await createChat(init)
}
