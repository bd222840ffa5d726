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
  GOSSIP_GRAYLIST_THRESHOLD, GOSSIP_INVALID_MESSAGE_WEIGHT, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC, GOSSIP_MAX_TOPIC_BYTES_PER_PEER, DEFAULT_RELAY_MAX_ROOMS
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

describe('subscriptions', () => {
  const nodes: ChatNode[] = []
  afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })
  const topicsOf = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `/chatsphere/1/room/${tag}-${String(i).padStart(26, '0')}`)
  const pair = async (): Promise<[ChatNode, ChatNode]> => {
    const a = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false })
    const b = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(a, b)
    await a.start()
    await b.start()
    return [a, b]
  }
  const tracked = (node: ChatNode, peer: ChatNode): number => {
    const map = (node.services.pubsub as unknown as { topics: Map<string, Set<string>> }).topics
    let n = 0
    for (const peers of map.values()) if (peers.has(peer.peerId.toString())) n++
    return n
  }

  it('a relay keeping DEFAULT_RELAY_MAX_ROOMS rooms is seen subscribed in every one by a peer that connects', async () => {
    // Regression: the whole subscription list goes in one RPC on connect; at a limit of 256 it was refused whole.
    const [relay, peer] = await pair()
    const topics = topicsOf(2 * DEFAULT_RELAY_MAX_ROOMS, 'kept')
    for (const t of topics) relay.services.pubsub.subscribe(t)
    await peer.dial(multiaddr(relay.getMultiaddrs()[0]?.toString() ?? ''))
    await waitFor(() => tracked(peer, relay) === topics.length, 15_000)
    expect(peer.services.pubsub.getSubscribers(topics[topics.length - 1] ?? '').map(String)).toEqual([relay.peerId.toString()])
  })

  it('a subscription flood is tracked only up to the per-peer budget', async () => {
    const [honest, attacker] = await pair()
    // Within the RPC limit: the first ones up to the byte budget are kept, the rest ignored.
    const topics = topicsOf(3000, 'flood')
    for (const t of topics) attacker.services.pubsub.subscribe(t)
    await attacker.dial(multiaddr(honest.getMultiaddrs()[0]?.toString() ?? ''))
    const budget = Math.floor(GOSSIP_MAX_TOPIC_BYTES_PER_PEER / ((topics[0]?.length ?? 0) + 1024))
    await waitFor(() => tracked(honest, attacker) >= budget, 15_000)
    for (const t of topicsOf(2000, 'more')) attacker.services.pubsub.subscribe(t)
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(tracked(honest, attacker)).toBe(budget)
    expect(budget).toBeLessThan(topics.length)
  })
})

async function waitFor (cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
