/**
 * What a member gives the relay by sync reaches the other members at once, even when that member hangs up before the
 * session ends. A CLI `send` does exactly that: its publish often has no gossip recipient yet (the relay's
 * subscription has not arrived), so it pushes the message by sync and exits as soon as the relay holds it. The relay
 * used to push to the other members only after a session that ended cleanly; the others then waited for their next
 * keep refresh (up to a minute: the hostile-peer follower's missed live message, and 1 in 20-30 CLI sends in a loop).
 *
 * The departing member here speaks the sync protocol by hand (src/history/sync.ts): hello, its chunks, and once the
 * relay acknowledges them (applied and stored), an abort instead of "done". A real relay process; the member online
 * meanwhile is a bare node that answers sync and does nothing else, so only the relay's push can bring it the message.
 */
import { createChatNode } from '#libp2p-node'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/chat/index.ts'
import { decodeRoomArchive } from '../../src/chat/room-archive.ts'
import { MAX_SYNC_MESSAGE_BYTES, SYNC_PROTOCOL } from '../../src/constants.ts'
import { decodeCbor, encodeCbor } from '../../src/envelope/codec.ts'
import { roomSync } from '../../src/chat/room-sync.ts'
import { syncAuth, syncProofInput } from '../../src/chat/sync-auth.ts'
import { sign } from '#ed25519'
import { fromHex } from '../../src/crypto/encoding.ts'
import { openRoomLog } from '../../src/history/room-log.ts'
import { SYNC_VERSION } from '../../src/history/sync.ts'
import { parseInviteLink } from '../../src/room/invite.ts'
import { deriveRoomKeys } from '../../src/room/keys.ts'
import { memoryUpdateStore } from '../../src/storage/memory-update-store.ts'
import { cleanupDirs, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat } from '../../src/chat/index.ts'
import type { ChatNode } from '../../src/net/create-node.ts'
import type { RoomLog } from '../../src/history/room-log.ts'
import type { RelayProc } from './support/processes.ts'

const WAIT_MS = 20_000

/** Resolves when `check()` holds, re-checked on each of `events` of `target` (none: on frames of a log). */
async function until (target: EventTarget | RoomLog, events: string[], check: () => boolean, ms: number, what: string): Promise<void> {
  if (check()) return
  await new Promise<void>((resolve, reject) => {
    const on = (): void => { if (check()) { done(); resolve() } }
    const timer = setTimeout(() => { done(); reject(new Error(`timed out after ${ms} ms waiting for ${what}`)) }, ms)
    const off = 'onFrames' in target ? target.onFrames(on) : undefined
    const done = (): void => { clearTimeout(timer); off?.(); if (!('onFrames' in target)) for (const e of events) target.removeEventListener(e, on) }
    if (!('onFrames' in target)) for (const e of events) target.addEventListener(e, on)
  })
}
// Message types of the sync protocol (src/history/sync.ts).
const T_HELLO = 1
const T_STATE = 2
const T_CHUNK = 4
const T_ACK = 6

describe('relay sync push', () => {
  let relay: RelayProc | undefined
  const chats: Chat[] = []
  const nodes: ChatNode[] = []

  afterAll(async () => {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
    for (const c of chats) await c.close()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('frames a member synced to the relay reach the others at once, though it hung up before the session ended', async () => {
    relay = await startRelayProc()
    const relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    const relayId = relay.peerId
    // Ana writes offline. Ben gets the relay to keep the room, then leaves: nobody else syncs meanwhile.
    const ana = await createChat({ dataDir: await tempDir('cs-ana-'), offline: true, displayName: 'Ana' })
    chats.push(ana)
    const room = await ana.createRoom('pushed')
    const ben = await createChat({ relays: [relayAddr], mdns: false, webrtc: false, dataDir: await tempDir('cs-ben-'), listen: ['/ip4/127.0.0.1/tcp/0'], displayName: 'Ben' })
    const joined = await ben.joinRoom(room.invite)
    expect(await ben.waitForRelaySync(joined.id, WAIT_MS)).toBe(true)
    await ben.close()
    const sent = await ana.send(room.id, 'written offline')

    // A member online now: answers sync (as every member does), subscribed to the room, in the relay's mesh.
    const keys = deriveRoomKeys(parseInviteLink(room.invite).secret)
    const memberLog = await openRoomLog({ store: memoryUpdateStore(), roomId: keys.roomId, writePublicKey: keys.writePublicKey })
    const member = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(member)
    // A member: proves with the room write key; takes the relay's pushes (a hello without proof) as from its relay.
    const auth = syncAuth({ writePublicKey: keys.writePublicKey, writeSeed: keys.writeSeed, trusted: id => id === relayId })
    await roomSync().register(member, (t) => t === keys.topic ? { auth, open: () => memberLog } : undefined)
    await member.start()
    member.services.pubsub.subscribe(keys.topic)
    await member.dial(multiaddr(relayAddr))
    const mesh = member.services.pubsub as unknown as { getMeshPeers: (topic: string) => string[] }
    await until(member.services.pubsub, ['gossipsub:graft'], () => mesh.getMeshPeers(keys.topic).includes(relayId), WAIT_MS, 'a mesh link to the relay')
    const got = until(memberLog, [], () => memberLog.has(fromHex(sent.id)), WAIT_MS, 'the message pushed by the relay')

    // Ana's device comes online just long enough to hand its log to the relay.
    const chunks = decodeRoomArchive(await ana.exportRoom(room.id)).updates
    const departing = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(departing)
    await departing.start()
    const stream = await departing.dialProtocol(multiaddr(relayAddr), SYNC_PROTOCOL)
    const lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES })
    const read = async (): Promise<Record<string, unknown>> => decodeCbor((await lp.read({ signal: AbortSignal.timeout(WAIT_MS) })).subarray(), { maxBytes: MAX_SYNC_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 }) as Record<string, unknown>
    const ms = await sign(keys.writeSeed, syncProofInput({ topic: keys.topic, initiator: departing.peerId.toString(), responder: relayId }, 'hello'))
    await lp.write(encodeCbor({ t: T_HELLO, v: SYNC_VERSION, topic: keys.topic, sv: new Uint8Array([0]), ms }))
    expect((await read()).t).toBe(T_STATE)
    for (const u of chunks) await lp.write(encodeCbor({ t: T_CHUNK, u }))
    // The relay's own chunks come too (we never acknowledge them); wait for its acknowledgement of all of ours.
    for (;;) {
      const m = await read()
      if (m.t === T_ACK && m.n === chunks.length) break
    }
    stream.abort(new Error('the member went offline'))

    await got
  }, 120_000)
})
