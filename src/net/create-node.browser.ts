import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createNodeWith } from './node-options.ts'
import type { ChatNode, ChatNodeInit } from './node-types.ts'
import type { Libp2pOptions } from 'libp2p'

export type { ChatNode, ChatNodeInit, ChatServices } from './node-types.ts'

/** Browser listen addresses: reachable through a relay reservation, then upgraded to direct WebRTC. */
export const NODE_DEFAULT_LISTEN = ['/p2p-circuit', '/webrtc']

/**
 * Builds the libp2p node of a browser peer: WebSockets to relays, circuit relay v2 through them, WebRTC directly
 * between browsers; noise, yamux, identify, ping and chat gossipsub. Not started.
 *
 * The browser's default connection gater refuses `ws://` and private addresses; ChatSphere relays are often on a LAN
 * (private address, plain `ws://` when no TLS), so this gater allows them. Nothing is dialled that the user or a
 * relay's info document did not name.
 */
export async function createChatNode (init: ChatNodeInit = {}): Promise<ChatNode> {
  // Without WebRTC (the user's choice: members then never learn this device's IP addresses) everything goes through
  // relays.
  const useWebRTC = init.webrtc ?? true
  const transports: NonNullable<Libp2pOptions['transports']> = [webSockets(), circuitRelayTransport()]
  if (useWebRTC) transports.push(webRTC({ rtcConfiguration: { iceServers: init.iceServers ?? [] } }))
  return await createNodeWith(init, {
    transports,
    listen: (init.listen ?? NODE_DEFAULT_LISTEN).filter(a => useWebRTC || !a.startsWith('/webrtc')),
    connectionGater: { denyDialMultiaddr: () => false }
  })
}
