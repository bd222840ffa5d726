import type { ChatGossipInit } from './gossipsub-options.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

/** Services every chat node runs. */
export interface ChatServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
}

/** A libp2p node as built by `createChatNode`. */
export type ChatNode = Libp2p<ChatServices>

/** Options of the platform node factory (`#libp2p-node`). */
export interface ChatNodeInit {
  /** The device's libp2p key (per device, distinct from the user identity). A new one is generated when absent. */
  privateKey?: PrivateKey
  /**
   * Listen addresses. Node default: TCP on all interfaces (random port), a circuit relay reservation and WebRTC.
   * Browser default: `/p2p-circuit` and `/webrtc`.
   */
  listen?: string[]
  /** Node only: discover peers on the LAN by mDNS (default true). */
  mdns?: boolean
  /** WebRTC transport (default true); without it this device is reached only through relays. */
  webrtc?: boolean
  /** ICE servers for WebRTC. None by default: no public STUN server is contacted without the user's configuration. */
  iceServers?: RTCIceServer[]
  /** Node only: the address node-datachannel binds ICE candidates to (`127.0.0.1` on a loopback-only host). */
  webrtcBindAddress?: string
  /** Gossipsub tuning. */
  gossip?: ChatGossipInit
}
