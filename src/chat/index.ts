/**
 * ChatSphere's public API: `createChat` starts a chat peer (Node or browser) that a CLI, a web app or a bot drives.
 *
 * @example
 * ```ts
 * const chat = await createChat({ dataDir: './data', relays: ['http://localhost:8470'] })
 * const room = await chat.createRoom('friends')
 * console.log('invite:', room.invite)
 * chat.addEventListener('message', (e) => { for (const m of e.detail.messages) console.log(m.authorName ?? m.authorId, m.text) })
 * const sent = await chat.send(room.id, 'hello')   // on disk, then published
 * await chat.waitForRelayHold(room.id, sent.id, 5000)
 * await chat.close()
 * ```
 */
import { ChatPeer } from './chat.ts'
import type { Chat, ChatInit } from './types.ts'

/**
 * Opens a chat peer: loads (or creates) the identity from storage, opens the rooms it is in, starts libp2p (unless
 * `offline`), connects to the relays with automatic reconnection, asks them to keep the rooms (unless `keep: false`)
 * and syncs history with every peer that shares a room. Call `close()` when done: it releases the data dir lock.
 *
 * Throws DataDirLockedError when another process has the data dir open, NotFoundError when `createIdentity` is false
 * and there is no identity, InvalidArgumentError for bad options.
 */
export async function createChat (init: ChatInit): Promise<Chat> {
  return await ChatPeer.create(init)
}

export type { Chat, ChatEvents, ChatInit, ConnectionInfo, ContactInfo, ImportedRoom, MemberInfo, PeerPath, PresenceInfo, RoomInfo, SentMessage, DeliveryState, Gap, MessageView } from './types.ts'
