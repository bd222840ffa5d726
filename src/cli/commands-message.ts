/** `chatsphere send`, `read` and `chat`. */
import { createInterface } from 'node:readline'
import { CLI_CONNECT_TIMEOUT_MS, SEND_RELAY_WAIT_MS, SEND_SUBSCRIBER_WAIT_MS } from '../constants.ts'
import { openChat } from './context.ts'
import { CliError, EXIT_UNREACHABLE } from './exit.ts'
import { deliveryText, messageLine, messageText } from './format.ts'
import type { GlobalOptions } from './context.ts'
import type { Chat, MessageView } from '../chat/index.ts'

function unreachable (g: GlobalOptions): string {
  return `no relay reachable (tried ${g.relay.join(', ')})`
}

/** Connects to the relays (bounded); returns whether one answered. */
async function connect (chat: Chat, g: GlobalOptions): Promise<boolean> {
  if (g.relay.length === 0) return false
  return await chat.waitForRelay(CLI_CONNECT_TIMEOUT_MS)
}

/**
 * Gives the publish a recipient (bounded): with a relay, its subscription to the room (it subscribes when it keeps
 * the room, right after we connect); with no relay, a LAN peer found by mDNS, the only way out. A publish that
 * reaches nobody still arrives (by sync), but live followers get it later.
 */
async function findRoomPeer (chat: Chat, g: GlobalOptions, room: string, relayUp: boolean): Promise<void> {
  if (relayUp) await chat.waitForRoomPeer(room, SEND_SUBSCRIBER_WAIT_MS)
  else if (g.relay.length === 0 && g.mdns) await chat.waitForRoomPeer(room, CLI_CONNECT_TIMEOUT_MS)
}

export async function send (g: GlobalOptions, ref: string, text: string, opts: { replyTo?: string }): Promise<void> {
  const chat = await openChat(g, { online: true })
  try {
    const room = chat.room(ref)
    const relayUp = await connect(chat, g)
    await findRoomPeer(chat, g, room.id, relayUp)
    const sendOpts: { replyTo?: string } = {}
    if (opts.replyTo != null) sendOpts.replyTo = opts.replyTo
    const sent = await chat.send(room.id, text, sendOpts)
    let held = false
    if (relayUp) held = await chat.waitForRelayHold(room.id, sent.id, SEND_RELAY_WAIT_MS)
    // No relay holds it for the others: before this process goes away, the LAN peers sync with us (a live update can
    // wait at a peer for earlier messages it lacks, and the catch-up it then asks of us would find us gone).
    const synced = relayUp ? 0 : await chat.syncRoomPeers(room.id, CLI_CONNECT_TIMEOUT_MS)
    const delivery = chat.delivery(room.id, sent.id) ?? sent.delivery
    const handed = sent.handedToNetwork || held || synced > 0
    if (g.json) process.stdout.write(JSON.stringify({ id: sent.id, room: room.id, delivery, handedToNetwork: handed, ...(relayUp ? {} : { syncedPeers: synced }) }) + '\n')
    else process.stdout.write(`sent ${sent.id} (${deliveryText(delivery)})\n`)
    if (!handed) {
      const why = g.relay.length > 0 && !relayUp ? unreachable(g) : 'no relay or peer online'
      throw new CliError(`stored locally only: ${why}; it will be delivered the next time this peer is online`, EXIT_UNREACHABLE)
    }
    if (relayUp && !held) process.stderr.write('handed to the network, but no relay confirmed it holds the message yet\n')
  } finally {
    await chat.close()
  }
}

export async function read (g: GlobalOptions, ref: string, opts: { follow?: boolean, limit?: string }): Promise<void> {
  const online = g.relay.length > 0 || opts.follow === true
  const chat = await openChat(g, { online })
  const room = (() => { try { return chat.room(ref) } catch (err) { void chat.close(); throw err } })()
  const printed = new Set<string>()
  const emit = (m: MessageView): void => {
    if (printed.has(m.id)) return
    printed.add(m.id)
    const d = chat.delivery(room.id, m.id)
    process.stdout.write((g.json ? JSON.stringify(messageLine(room.id, m, d)) : messageText(m, d)) + '\n')
  }
  try {
    const relayUp = await connect(chat, g)
    if (relayUp) await chat.waitForRelaySync(room.id, CLI_CONNECT_TIMEOUT_MS)
    const limit = opts.limit != null ? Number(opts.limit) : undefined
    if (limit != null && (!Number.isInteger(limit) || limit <= 0)) throw new CliError('--limit takes a positive whole number', 2)
    for (const m of chat.messages(room.id, limit != null ? { limit } : {})) emit(m)
    if (opts.follow !== true) {
      if (g.relay.length > 0 && !relayUp) throw new CliError(`${unreachable(g)}; showed the local history only`, EXIT_UNREACHABLE)
      return
    }
    if (g.relay.length > 0 && !relayUp) process.stderr.write(`${unreachable(g)}; following local and LAN peers, retrying the relays\n`)
    const stopped = untilSignal()
    if (g.json) process.stdout.write(JSON.stringify({ event: 'following', room: room.id }) + '\n')
    else process.stdout.write(`-- following ${room.name}; Ctrl-C to stop --\n`)
    await chat.markRead(room.id)
    chat.addEventListener('message', (evt) => {
      if (evt.detail.room !== room.id) return
      for (const m of evt.detail.messages) emit(m)
      void chat.markRead(room.id)
    })
    await stopped
  } finally {
    await chat.close()
  }
}

async function untilSignal (): Promise<void> {
  await new Promise<void>(resolve => {
    const done = (): void => { process.off('SIGINT', done); process.off('SIGTERM', done); resolve() }
    process.on('SIGINT', done)
    process.on('SIGTERM', done)
  })
}

export async function interactive (g: GlobalOptions, ref: string): Promise<void> {
  const chat = await openChat(g, { online: true })
  try {
    const room = chat.room(ref)
    const printed = new Set<string>()
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `${room.name}> ` })
    const show = (m: MessageView): void => {
      if (printed.has(m.id)) return
      printed.add(m.id)
      process.stdout.write(`\r${messageText(m)}\n`)
    }
    let typing = false
    // Lines typed (or piped) while we are still connecting are sent, not lost: the handler is attached first.
    const closed = new Promise<void>(resolve => {
      rl.on('line', (line) => {
        const text = line.trim()
        if (typing) { typing = false; void chat.setTyping(room.id, false) }
        if (text === '/quit' || text === '/exit') { rl.close(); return }
        if (text === '/who') {
          for (const p of chat.presence(room.id)) process.stdout.write(`${p.name ?? p.userId}: ${p.state}\n`)
          rl.prompt()
          return
        }
        if (text.length > 0) {
          chat.send(room.id, text).catch((err: Error) => { process.stdout.write(`(not sent: ${err.message})\n`) }).finally(() => rl.prompt())
        } else rl.prompt()
      })
      rl.on('close', resolve)
      process.on('SIGTERM', () => rl.close())
    })
    process.stdin.on('keypress', () => {
      if (!typing) { typing = true; void chat.setTyping(room.id, true) }
    })
    chat.addEventListener('message', (evt) => {
      if (evt.detail.room !== room.id) return
      for (const m of evt.detail.messages) show(m)
      void chat.markRead(room.id)
      rl.prompt(true)
    })
    chat.addEventListener('typing', (evt) => {
      if (evt.detail.room === room.id && evt.detail.on) { process.stdout.write(`\r(${evt.detail.name ?? evt.detail.userId.slice(0, 10)} is typing…)\n`); rl.prompt(true) }
    })
    chat.addEventListener('relay', (evt) => {
      process.stdout.write(`\r(relay ${evt.detail.connected ? 'connected' : 'lost; reconnecting'})\n`)
      rl.prompt(true)
    })
    if (await connect(chat, g)) await chat.waitForRelaySync(room.id, CLI_CONNECT_TIMEOUT_MS)
    else if (g.relay.length > 0) process.stdout.write(`(${unreachable(g)}; retrying in the background)\n`)
    for (const m of chat.messages(room.id, { limit: 50 })) show(m)
    process.stdout.write(`ChatSphere: ${room.name}. Type a message and press Enter; /quit to leave, /who for presence.\n`)
    rl.prompt()
    await closed
  } finally {
    await chat.close()
  }
}
