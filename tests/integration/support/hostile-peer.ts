/**
 * A hostile peer process: connects to a relay, subscribes to a room's topics (it knows them, as a gossip neighbour
 * would, but not the room secret) and publishes garbage, forged frames (signed with a write key of its own, inside a
 * well-formed Yjs update) and replays of honest updates, each phase from a fresh identity (a peer is graylisted and
 * disconnected by its third rejected frame). Prints one JSON line per phase.
 *
 * The replays are honest updates captured earlier (a file of the room's log updates as a member stores them:
 * ciphertext only, no room secret), plus any honest update forwarded live while the attacker runs. Live copies alone
 * gave nothing to replay: the test sends no honest message during the attack, and a bare node never gets what the
 * relay pushes to members by sync. The relay no longer serves the history to a peer that names the topic without
 * proof of membership (src/chat/sync-auth.ts), which is how this peer used to get it.
 *
 * argv: <relay multiaddr> <room topic> <ephemeral topic> <count> <captured updates file (CBOR array of bytes)>
 */
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeCbor } from '../../../src/envelope/codec.ts'
import { sealMessage } from '../../../src/envelope/index.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'

const [relayAddr, topic, ephemeralTopic, countText, capturedFile] = process.argv.slice(2)
if (relayAddr == null || topic == null || ephemeralTopic == null || capturedFile == null) throw new Error('usage: hostile-peer <relay> <topic> <ephemeral topic> <count> <captured updates file>')
const count = Number(countText ?? '10')
const captured = decodeCbor(await readFile(capturedFile), { maxBytes: 16 * 1024 * 1024, maxItems: 10_000, maxDepth: 2 })
if (!Array.isArray(captured) || !captured.every(u => u instanceof Uint8Array)) throw new Error('the captured file holds no updates')

const nodes: Array<Awaited<ReturnType<typeof createChatNode>>> = []
/** A fresh identity subscribed to both topics and connected to the relay (once the relay's subscription is known). */
async function joinAs (): Promise<Awaited<ReturnType<typeof createChatNode>>> {
  const node = await createChatNode({ listen: [], mdns: false, webrtc: false })
  await node.start()
  nodes.push(node)
  node.services.pubsub.subscribe(topic as string)
  node.services.pubsub.subscribe(ephemeralTopic as string)
  await node.dial(multiaddr(relayAddr as string))
  for (let i = 0; i < 100 && node.services.pubsub.getSubscribers(topic as string).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
  return node
}
// A watcher that never publishes collects the honest updates the relay forwards (material of the replays, with the
// captured ones).
const watcher = await joinAs()
const seen: Uint8Array[] = []
watcher.services.pubsub.addEventListener('message', (e) => { if (e.detail.topic === topic) seen.push(e.detail.data) })

// Each phase publishes from a fresh identity: a peer is graylisted (and disconnected) by its third rejected frame
// (src/net/prompt-graylist.ts), so every class must reach the validators on its own.
let pubsub = (await joinAs()).services.pubsub
const publish = async (t: string, data: Uint8Array): Promise<void> => {
  try { await pubsub.publish(t, data) } catch { /* rejected or no peers: keep going */ }
}

// 1. Garbage of several sizes on both topics.
for (let i = 0; i < count; i++) {
  await publish(topic, randomBytes(1 + i * 37))
  await publish(ephemeralTopic, randomBytes(60 + i * 11))
}
console.log(JSON.stringify({ phase: 'garbage', count: count * 2 }))

// 2. Forged frames: sealed for a room of our own (another write key), carried in a well-formed log update.
pubsub = (await joinAs()).services.pubsub
const fake = deriveRoomKeys(createRoomSecret())
const forgedKeys = { ...fake, topic, ephemeralTopic }
const log = await openRoomLog({ store: memoryUpdateStore(), roomId: fake.roomId, writePublicKey: fake.writePublicKey, verifyFrame: async () => {} })
const me = createIdentity()
for (let i = 1; i <= count; i++) {
  const sealed = await sealMessage({ identity: me, room: forgedKeys, device: 7, seq: i, body: { k: 'text', text: `FORGED ${i}` } })
  await publish(topic, await log.append(sealed.frame))
  const eph = await sealMessage({ identity: me, room: forgedKeys, device: 7, seq: 1000 + i, body: { k: 'typing', on: true } })
  await publish(ephemeralTopic, eph.frame)
}
console.log(JSON.stringify({ phase: 'forged', count: count * 2 }))

// 3. Replays of honest updates: the captured history and every live copy seen.
pubsub = (await joinAs()).services.pubsub
const replays = [...(captured as Uint8Array[]), ...seen]
for (const data of replays) await publish(topic, data)
console.log(JSON.stringify({ phase: 'replayed', count: replays.length }))

await new Promise(resolve => setTimeout(resolve, 500))
for (const n of nodes) await n.stop()
console.log(JSON.stringify({ phase: 'done' }))
process.exit(0)
