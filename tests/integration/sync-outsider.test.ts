/**
 * An outsider that knows a room's topic (topics travel in gossipsub subscriptions to every connected peer) but not
 * the room secret gets none of the room's history by sync, from the relay process or from a member, and a clear
 * refusal; a member never sends its chunks to an outsider that answers its sync. Before the sync hello carried a proof
 * of membership (src/chat/sync-auth.ts), the relay served the whole encrypted log to anyone naming the topic.
 *
 * The outsider is a real libp2p node (the same stack as a chat peer) speaking the sync protocol by hand, so every
 * message it receives is seen.
 */
import { createChatNode } from '#libp2p-node'
import { sign } from '#ed25519'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { afterAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/chat/index.ts'
import { roomSync } from '../../src/chat/room-sync.ts'
import { syncAuth, syncProofInput } from '../../src/chat/sync-auth.ts'
import { MAX_SYNC_MESSAGE_BYTES, SYNC_PROTOCOL } from '../../src/constants.ts'
import { decodeCbor, encodeCbor } from '../../src/envelope/codec.ts'
import { openRoomLog } from '../../src/history/room-log.ts'
import { SYNC_VERSION } from '../../src/history/sync.ts'
import { parseInviteLink } from '../../src/room/invite.ts'
import { createRoomSecret, deriveRoomKeys } from '../../src/room/keys.ts'
import { memoryUpdateStore } from '../../src/storage/memory-update-store.ts'
import { cleanupDirs, freePort, startRelayProc, tempDir } from './support/processes.ts'
import type { Chat } from '../../src/chat/index.ts'
import type { ChatNode } from '../../src/net/create-node.ts'
import type { RelayProc } from './support/processes.ts'
import type { Stream } from '@libp2p/interface'

const WAIT_MS = 20_000
const T_HELLO = 1
const T_STATE = 2
const T_CHUNK = 4
const T_REFUSED = 7

type Msg = Record<string, unknown>

/** Every message the other side sends on `stream` until it closes (or WAIT_MS). */
async function readAll (stream: Stream): Promise<Msg[]> {
  const lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES })
  const out: Msg[] = []
  try {
    for (;;) out.push(decodeCbor((await lp.read({ signal: AbortSignal.timeout(WAIT_MS) })).subarray(), { maxBytes: MAX_SYNC_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 }) as Msg)
  } catch { /* closed by the other side (or timed out: then the test fails on what it got) */ }
  return out
}

/** Opens the sync protocol to `target`, sends `hello`, and returns everything the other side answers. */
async function ask (node: ChatNode, target: string, hello: Msg): Promise<Msg[]> {
  const stream = await node.dialProtocol(multiaddr(target), SYNC_PROTOCOL, { signal: AbortSignal.timeout(WAIT_MS) })
  await lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES }).write(encodeCbor(hello))
  const got = await readAll(stream)
  stream.abort(new Error('done'))
  return got
}

describe('sync asks for proof of room membership', () => {
  let relay: RelayProc | undefined
  const chats: Chat[] = []
  const nodes: ChatNode[] = []

  afterAll(async () => {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => {})
    for (const c of chats) await c.close()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('an outsider who knows the topic gets no frames from the relay or a member, and a clear refusal', async () => {
    relay = await startRelayProc()
    const relayAddr = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    const anaPort = await freePort()
    const ana = await createChat({ relays: [relayAddr], mdns: false, webrtc: false, dataDir: await tempDir('cs-ana-'), listen: [`/ip4/127.0.0.1/tcp/${anaPort}`], displayName: 'Ana' })
    chats.push(ana)
    const room = await ana.createRoom('private')
    await ana.send(room.id, 'not for outsiders')
    expect(await ana.waitForRelaySync(room.id, WAIT_MS)).toBe(true)
    const anaAddr = `/ip4/127.0.0.1/tcp/${anaPort}/p2p/${ana.peerId as string}`
    // What the outsider knows: the topic (as a gossip neighbour learns it). The keys are the test's, not its.
    const topic = deriveRoomKeys(parseInviteLink(room.invite).secret).topic

    const outsider = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(outsider)
    // Whatever sync a member or the relay starts with the outsider is answered like a member would, without a proof;
    // every message it gets after that is recorded (a chunk would be history).
    const offered: Msg[] = []
    let sessionsToOutsider = 0
    await outsider.handle(SYNC_PROTOCOL, async (stream) => {
      sessionsToOutsider++
      const lp = lpStream(stream, { maxDataLength: MAX_SYNC_MESSAGE_BYTES })
      try {
        await lp.read({ signal: AbortSignal.timeout(WAIT_MS) })
        await lp.write(encodeCbor({ t: T_STATE, sv: new Uint8Array([0]) }))
        for (;;) offered.push(decodeCbor((await lp.read({ signal: AbortSignal.timeout(WAIT_MS) })).subarray(), { maxBytes: MAX_SYNC_MESSAGE_BYTES, maxItems: 8, maxDepth: 2 }) as Msg)
      } catch { /* the member aborted */ }
    }, { runOnLimitedConnection: true })
    await outsider.start()
    outsider.services.pubsub.subscribe(topic)
    const empty = new Uint8Array([0])

    // To the relay process: no proof, a proof signed by another room's write key, a version 1 hello.
    await outsider.dial(multiaddr(relayAddr))
    expect(await ask(outsider, relayAddr, { t: T_HELLO, v: SYNC_VERSION, topic, sv: empty })).toEqual([{ t: T_REFUSED, e: 'no-proof' }])
    const other = deriveRoomKeys(createRoomSecret())
    const forged = await sign(other.writeSeed, syncProofInput({ topic, initiator: outsider.peerId.toString(), responder: relay.peerId }, 'hello'))
    expect(await ask(outsider, relayAddr, { t: T_HELLO, v: SYNC_VERSION, topic, sv: empty, ms: forged })).toEqual([{ t: T_REFUSED, e: 'bad-proof' }])
    expect(await ask(outsider, relayAddr, { t: T_HELLO, v: 1, topic, sv: empty })).toEqual([{ t: T_REFUSED, e: 'version' }])
    // Through the library, as a modified client without the room secret would: refused, nothing applied.
    const stolen = await openRoomLog({ store: memoryUpdateStore(), roomId: other.roomId, writePublicKey: other.writePublicKey, verifyFrame: async () => {} })
    const noKey = syncAuth({ writePublicKey: other.writePublicKey, trusted: () => false })
    await expect(roomSync().syncRoom(outsider, relay.peerId, topic, stolen, noKey)).rejects.toMatchObject({ name: 'SyncRefusedError' })
    expect(stolen.length).toBe(0)
    const m = await relay.metrics()
    expect(m['chatsphere_relay_frames_dropped_total{reason="sync-no-proof"}']).toBeGreaterThanOrEqual(2)
    expect(m['chatsphere_relay_frames_dropped_total{reason="sync-bad-proof"}']).toBe(1)
    expect(m['chatsphere_relay_frames_dropped_total{reason="sync-version"}']).toBe(1)

    // To a member: the same refusal.
    expect(await ask(outsider, anaAddr, { t: T_HELLO, v: SYNC_VERSION, topic, sv: empty })).toEqual([{ t: T_REFUSED, e: 'no-proof' }])
    expect(await ask(outsider, anaAddr, { t: T_HELLO, v: SYNC_VERSION, topic, sv: empty, ms: forged })).toEqual([{ t: T_REFUSED, e: 'bad-proof' }])

    // A member that starts a sync with the outsider (a subscriber of the room's topic) checks its state and sends nothing.
    await ana.waitForRoomPeer(room.id, WAIT_MS)
    expect(await ana.syncRoomPeers(room.id, WAIT_MS)).toBe(0)
    expect(sessionsToOutsider).toBeGreaterThanOrEqual(1)
    expect(offered.filter(x => x.t === T_CHUNK)).toEqual([])
    expect(ana.dropped()['sync-refused-no-proof']).toBeGreaterThanOrEqual(2)
    expect(ana.dropped()['sync-refused-bad-proof']).toBe(1)
  }, 120_000)
})
