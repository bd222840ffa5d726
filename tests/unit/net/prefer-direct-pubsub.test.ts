/**
 * src/net/prefer-direct-pubsub.ts reaches into gossipsub (the maps of peers and outbound streams, the topology
 * callback): this fails when a gossipsub update renames them, instead of the direct path silently going unused.
 * That messages then go over the direct connection is measured by bench/p8-browser-latency.ts (its WebSocket frame
 * split stops matching most messages) and the direct path itself by tests/integration/direct-webrtc.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { preferDirectPubsub } from '../../../src/net/prefer-direct-pubsub.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

describe('prefer direct pubsub', () => {
  const nodes: ChatNode[] = []
  afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })

  it('finds the gossipsub internals it needs and installs, and removes its listeners again', async () => {
    const node = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(node)
    await node.start()
    const remove = preferDirectPubsub(node, node.services.pubsub)
    expect(typeof remove).toBe('function')
    if (remove !== false) remove()
  })

  it('refuses (installs nothing) when gossipsub lacks them', () => {
    const fake = { streamsOutbound: new Map(), peers: new Map() }
    expect(preferDirectPubsub({} as unknown as ChatNode, fake as unknown as ChatNode['services']['pubsub'])).toBe(false)
  })
})
