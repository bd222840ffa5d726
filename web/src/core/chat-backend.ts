import { createChat } from '../../../src/chat/index.ts'
import { openStorage } from '../../../src/storage/browser.ts'
import { cacheRescueCopy, cacheRescueJournal } from '../../../src/storage/rescue-copy.ts'
import { withRescueCopy } from '../../../src/storage/rescued-backend.ts'
import { idleJournal } from '../storage/idle-journal.ts'
import { ChatAdapter } from './chat-adapter.ts'
import { browserDeviceName } from './devices.ts'
import type { ChatBackend } from './backend.ts'
import type { DeviceIdentity } from './identity.ts'

export interface StartOptions {
  identity: DeviceIdentity
  profile: { name: string, avatar?: string }
  /** Extra relays (multiaddrs) from the settings; the relay that served this page is always used. */
  relays: string[]
  /** ICE servers for direct WebRTC connections (none by default: LAN and loopback still work). */
  iceServers?: RTCIceServer[]
  /** Direct WebRTC connections to other members (default true); false: everything through relays. */
  directConnections?: boolean
}

/**
 * Starts this tab's peer: IndexedDB storage, the core's chat peer (libp2p over WebSockets to the relay, circuit
 * relay, WebRTC direct), connected to the relay that served the page (its info document lists its addresses).
 * This module is loaded on demand, so libp2p is not part of the first paint.
 */
export async function startBackend (options: StartOptions): Promise<ChatBackend> {
  // The identity, rooms and recent messages are also kept in a rescue copy that survives Chromium deleting IndexedDB
  // after a crash (src/storage/rescue-copy.ts).
  const storage = await withRescueCopy(await openStorage({ name: 'chatsphere' }), cacheRescueCopy('storage-chatsphere'),
    { journal: (room) => idleJournal(cacheRescueJournal(room)), identity: options.identity.seed })
  try {
    const chat = await createChat({
      storage,
      identity: options.identity,
      relays: [location.origin, ...options.relays],
      ...(options.iceServers !== undefined && options.iceServers.length > 0 ? { iceServers: options.iceServers } : {}),
      ...(options.directConnections === false ? { webrtc: false } : {}),
      displayName: options.profile.name,
      // Each room shows the last messages this browser showed before at once, and the rest as it opens (issue 4 P6).
      tailFirst: true,
      // ... and before libp2p starts: the network comes up behind them (sends meanwhile are stored, synced after).
      networkInBackground: true,
      deviceName: browserDeviceName(),
      ...(options.profile.avatar !== undefined ? { avatar: options.profile.avatar } : {})
    })
    return new ChatAdapter(chat, options.profile)
  } catch (err) {
    await storage.close().catch(() => {})
    throw err
  }
}
