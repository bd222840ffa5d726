import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { DIRECT_DIAL_TIMEOUT_MS } from '../constants.ts'
import { chatGossipsub } from './gossipsub-options.ts'
import type { ChatNode, ChatNodeInit, ChatServices } from './node-types.ts'
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
  const options: Libp2pOptions<ChatServices> = {
    start: false,
    addresses: { listen: (init.listen ?? NODE_DEFAULT_LISTEN).filter(a => useWebRTC || !a.startsWith('/webrtc')) },
    transports,
    connectionEncrypters: [noise()],
    // A WebRTC dial through a relay (signalling, ICE, DTLS, SCTP) can take longer than libp2p's 6 s per address on a
    // busy device; callers still bound each dial with their own signal.
    connectionManager: { addressDialTimeout: DIRECT_DIAL_TIMEOUT_MS },
    streamMuxers: [yamux()],
    connectionGater: {
      denyDialMultiaddr: () => false
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: chatGossipsub(init.gossip)
    }
  }
  if (init.privateKey != null) options.privateKey = init.privateKey
  return await createLibp2p(options) as unknown as ChatNode
}
