import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createNodeWith } from './node-options.ts'
import type { ChatNode, ChatNodeInit } from './node-types.ts'
import type { Libp2pOptions } from 'libp2p'

export type { ChatNode, ChatNodeInit, ChatServices } from './node-types.ts'

/** Node default listen addresses: any interface, random TCP port, plus a relay reservation and WebRTC behind it. */
export const NODE_DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0', '/p2p-circuit', '/webrtc']

/**
 * Builds the libp2p node of a Node peer: TCP, WebSockets, WebRTC (node-datachannel), circuit relay v2 transport,
 * mDNS (optional), noise, yamux, identify, ping and chat gossipsub. Not started.
 */
export async function createChatNode (init: ChatNodeInit = {}): Promise<ChatNode> {
  const useWebRTC = init.webrtc ?? true
  const transports: NonNullable<Libp2pOptions['transports']> = [tcp(), webSockets(), circuitRelayTransport()]
  if (useWebRTC) {
    const rtcConfiguration = { iceServers: init.iceServers ?? [], ...(init.webrtcBindAddress != null ? { bindAddress: init.webrtcBindAddress } : {}) }
    transports.push(webRTC({ rtcConfiguration }))
  }
  const listen = (init.listen ?? NODE_DEFAULT_LISTEN).filter(a => useWebRTC || !a.startsWith('/webrtc'))
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (init.mdns ?? true) peerDiscovery.push(mdns())
  return await createNodeWith(init, { transports, listen, peerDiscovery })
}
