/**
 * Gossipsub hardening: every bound and score parameter is set explicitly (not left to library defaults), the score
 * parameters pass gossipsub's own validation, and a peer whose frames are rejected by the topic validator falls
 * below the graylist threshold on a real pair of libp2p nodes.
 */
import { createPeerScoreParams, validatePeerScoreParams, validatePeerScoreThresholds, validateTopicScoreParams } from '@libp2p/gossipsub/score'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import {
  GOSSIP_GRAYLIST_THRESHOLD, GOSSIP_INVALID_MESSAGE_WEIGHT, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC
} from '../../../src/constants.ts'
import { chatGossipsubOptions, peerScore, roomTopicScore, scoreTopic } from '../../../src/net/gossipsub-options.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

describe('gossipsub options', () => {
  it('set every decode limit, threshold and score parameter explicitly', () => {
    const o = chatGossipsubOptions()
    expect(o.globalSignaturePolicy).toBe('StrictSign')
    expect(o.decodeRpcLimits).toEqual({
      maxSubscriptions: GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC,
      maxMessages: expect.any(Number),
      maxIhaveMessageIDs: expect.any(Number),
      maxIwantMessageIDs: expect.any(Number),
      maxIdontwantMessageIDs: expect.any(Number),
      maxControlMessages: expect.any(Number),
      maxPeerInfos: expect.any(Number)
    })
    expect(o.maxInboundDataLength).toBeGreaterThan(0)
    expect(o.maxTopicBytesPerPeer).toBeGreaterThan(0)
    // Every key of the library's default score params is given by us.
    const keys = Object.keys(createPeerScoreParams()).sort()
    expect(Object.keys(o.scoreParams ?? {}).sort()).toEqual(keys)
    validatePeerScoreParams(createPeerScoreParams(o.scoreParams))
    validatePeerScoreThresholds(o.scoreThresholds as Parameters<typeof validatePeerScoreThresholds>[0])
    expect(o.scoreThresholds?.graylistThreshold).toBe(GOSSIP_GRAYLIST_THRESHOLD)
    const topic = roomTopicScore()
    validateTopicScoreParams(topic)
    expect(topic.invalidMessageDeliveriesWeight).toBe(GOSSIP_INVALID_MESSAGE_WEIGHT)
  })
})

describe('a peer whose frames are rejected', () => {
  const nodes: ChatNode[] = []
  afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })

  it('is graylisted by the receiver', async () => {
    const honest = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false })
    const attacker = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(honest, attacker)
    await honest.start()
    await attacker.start()
    const topic = '/chatsphere/1/room/test-graylist'
    scoreTopic(honest.services.pubsub, topic)
    let rejected = 0
    honest.services.pubsub.topicValidators.set(topic, () => { rejected++; return TopicValidatorResult.Reject })
    honest.services.pubsub.subscribe(topic)
    attacker.services.pubsub.subscribe(topic)
    await attacker.dial(multiaddr(honest.getMultiaddrs()[0]?.toString() ?? ''))
    const attackerId = attacker.peerId.toString()
    await waitFor(() => attacker.services.pubsub.getSubscribers(topic).length > 0, 10_000)
    for (let i = 0; i < 20; i++) await attacker.services.pubsub.publish(topic, new Uint8Array([i, 1, 2, 3])).catch(() => {})
    await waitFor(() => peerScore(honest.services.pubsub, attackerId) < GOSSIP_GRAYLIST_THRESHOLD, 10_000)
    expect(rejected).toBeGreaterThanOrEqual(2)
    // Graylisted: later RPCs are ignored before validation.
    const before = rejected
    for (let i = 0; i < 20; i++) await attacker.services.pubsub.publish(topic, new Uint8Array([i, 9, 9, 9])).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(rejected).toBe(before)
  })
})

async function waitFor (cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
