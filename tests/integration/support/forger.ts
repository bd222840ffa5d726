/**
 * A member forging a membership op outside the chat API (which refuses ops the room would ignore): a bare libp2p
 * node that holds the room secret syncs the room's log from a relay, appends a frame sealed with any identity (or a
 * fake author key) and publishes the update, exactly as a modified client would.
 */
import { createChatNode } from '#libp2p-node'
import { multiaddr } from '@multiformats/multiaddr'
import { sealMessage } from '../../../src/envelope/index.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { roomSync } from '../../../src/chat/room-sync.ts'
import { syncAuth } from '../../../src/chat/sync-auth.ts'
import { deriveRoomKeys } from '../../../src/room/keys.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'
import type { Body } from '../../../src/envelope/types.ts'
import type { Identity } from '../../../src/identity/identity.ts'

/** Publishes each (identity, body) as a stored message of the room (epoch 0, device 99) after syncing its log. */
export async function forgeOps (relayAddr: string, relayPeerId: string, secret: Uint8Array, ops: Array<{ identity: Identity, body: Body }>): Promise<string[]> {
  const keys = deriveRoomKeys(secret)
  const node = await createChatNode({ listen: [], mdns: false, webrtc: false })
  await node.start()
  try {
    const log = await openRoomLog({ store: memoryUpdateStore(), roomId: keys.roomId, writePublicKey: keys.writePublicKey })
    const sync = roomSync()
    // A member: proves with the room write key, and (like the chat) takes the relay's pushes without a proof.
    const auth = syncAuth({ writePublicKey: keys.writePublicKey, writeSeed: keys.writeSeed, trusted: id => id === relayPeerId })
    await sync.register(node, (t) => t === keys.topic ? { auth, open: () => log } : undefined)
    const pubsub = node.services.pubsub
    pubsub.subscribe(keys.topic)
    await node.dial(multiaddr(relayAddr))
    await sync.syncRoom(node, relayPeerId, keys.topic, log, auth)
    for (let i = 0; i < 100 && pubsub.getSubscribers(keys.topic).length === 0; i++) await new Promise(resolve => setTimeout(resolve, 100))
    const ids: string[] = []
    let seq = 1
    for (const op of ops) {
      const sealed = await sealMessage({ identity: op.identity, room: keys, device: 99, seq: seq++, body: op.body })
      await pubsub.publish(keys.topic, await log.append(sealed.frame))
      ids.push(sealed.idText)
    }
    // A publish is only queued on the stream: stopping the node at once could drop it (a roles test timed out so,
    // once). A sync with the relay completes only once the relay holds every frame we have, gossiped or not.
    await sync.syncRoom(node, relayPeerId, keys.topic, log, auth)
    await log.close()
    return ids
  } finally {
    await node.stop()
  }
}
