/**
 * The libp2p options every ChatSphere peer shares, on Node and in the browser: noise, yamux, identify, ping and chat
 * gossipsub, the dial timeout, the optional private key. create-node.ts and create-node.browser.ts add their
 * platform's transports, listen addresses, discovery and gater.
 */
import { identify } from '@libp2p/identify'
import { noiseOneWrite } from './noise-one-write.ts'
import { installHalfWindowUpdates } from './yamux-window.ts'
import { ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { DIRECT_DIAL_TIMEOUT_MS } from '../constants.ts'
import { chatGossipsub } from './gossipsub-options.ts'
import type { ChatNode, ChatNodeInit, ChatServices } from './node-types.ts'
import type { Libp2pOptions } from 'libp2p'

/** What differs between platforms. */
export interface PlatformParts {
  transports: NonNullable<Libp2pOptions['transports']>
  listen: string[]
  peerDiscovery?: NonNullable<Libp2pOptions['peerDiscovery']>
  connectionGater?: Libp2pOptions['connectionGater']
}

/** Builds the (not started) libp2p node of a chat peer from the shared options and the platform's parts. */
export async function createNodeWith (init: ChatNodeInit, parts: PlatformParts): Promise<ChatNode> {
  installHalfWindowUpdates()
  const options: Libp2pOptions<ChatServices> = {
    start: false,
    addresses: { listen: parts.listen },
    transports: parts.transports,
    connectionEncrypters: [noiseOneWrite()],
    // A WebRTC dial through a relay (signalling, ICE, DTLS, SCTP) can take longer than libp2p's 6 s per address on a
    // busy device; callers still bound each dial with their own signal.
    connectionManager: { addressDialTimeout: DIRECT_DIAL_TIMEOUT_MS },
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: chatGossipsub(init.gossip)
    }
  }
  if (parts.peerDiscovery != null) options.peerDiscovery = parts.peerDiscovery
  if (parts.connectionGater != null) options.connectionGater = parts.connectionGater
  if (init.privateKey != null) options.privateKey = init.privateKey
  return await createLibp2p(options) as unknown as ChatNode
}
