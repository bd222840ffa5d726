/**
 * src/net/prompt-graylist.ts on a real pair of libp2p nodes: a peer whose frames are rejected is graylisted by its
 * third rejection (gossipsub alone waves a fresh peer's first 128 messages / 1 s through on a cached score), reported
 * once so it can be disconnected, keeps its penalty after the disconnect, and comes back graylisted when it redials
 * (gossipsub alone resets a reconnecting peer's score).
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { GOSSIP_GRAYLIST_THRESHOLD } from '../../../src/constants.ts'
import { peerScore, scoreTopic } from '../../../src/net/gossipsub-options.ts'
import { installPromptGraylist } from '../../../src/net/prompt-graylist.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

async function waitFor (cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

describe('prompt graylist', () => {
  const nodes: ChatNode[] = []
  afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })

  it('graylists a rejected peer within a few frames, reports it once, and keeps its score across a redial', async () => {
    const honest = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false })
    const attacker = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(honest, attacker)
    const reported: string[] = []
    expect(installPromptGraylist(honest.services.pubsub, {
      onGraylisted: (id) => {
        reported.push(id)
        void honest.hangUp(attacker.peerId).catch(() => {})
      }
    })).toBe(true)
    await honest.start()
    await attacker.start()
    const topic = '/chatsphere/1/room/test-prompt-graylist'
    scoreTopic(honest.services.pubsub, topic)
    let rejected = 0
    honest.services.pubsub.topicValidators.set(topic, () => { rejected++; return TopicValidatorResult.Reject })
    honest.services.pubsub.subscribe(topic)
    attacker.services.pubsub.subscribe(topic)
    const addr = multiaddr(honest.getMultiaddrs()[0]?.toString() ?? '')
    await attacker.dial(addr)
    const attackerId = attacker.peerId.toString()
    await waitFor(() => attacker.services.pubsub.getSubscribers(topic).length > 0, 10_000)

    // 200 frames published as fast as the attacker can: without the prompt graylist the honest node validates (at
    // least) the first 128 of them on the strength of a cached score of 0.
    for (let i = 0; i < 200; i++) await attacker.services.pubsub.publish(topic, new Uint8Array([i, 1, 2, 3])).catch(() => {})
    await waitFor(() => reported.length > 0, 10_000)
    await waitFor(() => honest.getConnections(attacker.peerId).length === 0, 10_000)
    expect(reported).toEqual([attackerId])
    expect(rejected).toBeGreaterThanOrEqual(3)
    expect(rejected).toBeLessThan(20)
    // Disconnected, the penalty is retained.
    expect(peerScore(honest.services.pubsub, attackerId)).toBeLessThan(GOSSIP_GRAYLIST_THRESHOLD)

    // It redials: its retained score comes back with it (not a fresh 0), it is reported again, and nothing it sends is
    // validated.
    const before = rejected
    await waitFor(() => attacker.getConnections(honest.peerId).length === 0, 10_000)
    await attacker.dial(addr)
    await waitFor(() => reported.length === 2, 10_000)
    expect(reported).toEqual([attackerId, attackerId])
    expect(peerScore(honest.services.pubsub, attackerId)).toBeLessThan(GOSSIP_GRAYLIST_THRESHOLD)
    expect(rejected).toBe(before)
  }, 30_000)

  it('spares exempt peers (they are graylisted by score, never reported)', async () => {
    const honest = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false })
    const relayLike = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(honest, relayLike)
    const reported: string[] = []
    installPromptGraylist(honest.services.pubsub, { exempt: (id) => id === relayLike.peerId.toString(), onGraylisted: (id) => { reported.push(id) } })
    await honest.start()
    await relayLike.start()
    const topic = '/chatsphere/1/room/test-prompt-graylist-exempt'
    scoreTopic(honest.services.pubsub, topic)
    honest.services.pubsub.topicValidators.set(topic, () => TopicValidatorResult.Reject)
    honest.services.pubsub.subscribe(topic)
    relayLike.services.pubsub.subscribe(topic)
    await relayLike.dial(multiaddr(honest.getMultiaddrs()[0]?.toString() ?? ''))
    await waitFor(() => relayLike.services.pubsub.getSubscribers(topic).length > 0, 10_000)
    for (let i = 0; i < 10; i++) await relayLike.services.pubsub.publish(topic, new Uint8Array([i, 7])).catch(() => {})
    await waitFor(() => peerScore(honest.services.pubsub, relayLike.peerId.toString()) < GOSSIP_GRAYLIST_THRESHOLD, 10_000)
    expect(reported).toEqual([])
    expect(honest.getConnections(relayLike.peerId).length).toBeGreaterThan(0)
  }, 30_000)
})
