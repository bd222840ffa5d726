/**
 * src/net/subscription-guard.ts on a real pair of libp2p nodes: a peer naming a topic that is no ChatSphere topic, or
 * sending subscription RPCs faster than the bucket allows, is reported once and its RPCs are refused before gossipsub
 * tracks anything; its whole list in one RPC after a reconnect is accepted; a peer joining rooms at a human pace and
 * an exempt peer are never reported.
 */
import { randomBytes } from 'node:crypto'
import { multiaddr } from '@multiformats/multiaddr'
import { afterEach, describe, expect, it } from 'vitest'
import { createChatNode } from '#libp2p-node'
import { GOSSIP_SUBSCRIPTION_BURST, TOPIC_HASH_BYTES, TOPIC_PREFIX } from '../../../src/constants.ts'
import { toBase32 } from '../../../src/crypto/encoding.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { installSubscriptionGuard } from '../../../src/net/subscription-guard.ts'
import { isChatTopic } from '../../../src/room/keys.ts'
import type { SubscriptionViolation } from '../../../src/net/subscription-guard.ts'
import type { ChatNode } from '../../../src/net/node-types.ts'

async function waitFor (cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

const wellFormed = (): string => TOPIC_PREFIX + toBase32(randomBytes(TOPIC_HASH_BYTES))

describe('isChatTopic', () => {
  it('accepts the topics rooms derive and nothing else', () => {
    const keys = deriveRoomKeys(createRoomSecret())
    expect(isChatTopic(keys.topic)).toBe(true)
    expect(isChatTopic(keys.ephemeralTopic)).toBe(true)
    expect(isChatTopic(wellFormed())).toBe(true)
    for (const bad of ['', TOPIC_PREFIX, `${TOPIC_PREFIX}flood-1`, keys.topic + 'a', keys.topic.slice(0, -1), keys.topic.toUpperCase(),
      keys.topic.replace('/room/', '/other/'), `x${keys.topic}`, `${keys.topic}\n`]) {
      expect(isChatTopic(bad), bad).toBe(false)
    }
  })
})

describe('subscription guard', () => {
  const nodes: ChatNode[] = []
  afterEach(async () => { for (const n of nodes.splice(0)) await n.stop() })

  const setup = async (exempt = false): Promise<{ honest: ChatNode, other: ChatNode, reports: Array<[string, SubscriptionViolation]>, refused: number[], connect: () => Promise<void> }> => {
    const honest = await createChatNode({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false })
    const other = await createChatNode({ listen: [], mdns: false, webrtc: false })
    nodes.push(honest, other)
    const reports: Array<[string, SubscriptionViolation]> = []
    const refused: number[] = []
    expect(installSubscriptionGuard(honest.services.pubsub, {
      exempt: () => exempt,
      onViolation: (id, reason) => {
        reports.push([id, reason])
        void honest.hangUp(other.peerId).catch(() => {})
      },
      onRefused: (_id, _reason, topics) => { refused.push(topics) }
    })).toBe(true)
    await honest.start()
    await other.start()
    // A topic of the honest node's own, so it has something to announce (its streams open either way).
    honest.services.pubsub.subscribe(wellFormed())
    const connect = async (): Promise<void> => {
      await other.dial(multiaddr(honest.getMultiaddrs()[0]?.toString() ?? ''))
      await waitFor(() => other.services.pubsub.getSubscribers(honest.services.pubsub.getTopics()[0] ?? '').length > 0, 10_000)
    }
    return { honest, other, reports, refused, connect }
  }
  const tracked = (honest: ChatNode, topics: string[]): number => topics.filter(t => honest.services.pubsub.getSubscribers(t).length > 0).length

  it('cuts off a peer that names a topic which is no ChatSphere topic', async () => {
    const { honest, other, reports, connect } = await setup()
    await connect()
    const good = wellFormed()
    other.services.pubsub.subscribe(good)
    await waitFor(() => tracked(honest, [good]) === 1, 10_000)
    other.services.pubsub.subscribe(`${TOPIC_PREFIX}flood-1`)
    await waitFor(() => reports.length > 0, 10_000)
    expect(reports).toEqual([[other.peerId.toString(), 'subscription-bad-topic']])
    await waitFor(() => honest.getConnections(other.peerId).length === 0, 10_000)
    expect(honest.services.pubsub.getSubscribers(`${TOPIC_PREFIX}flood-1`)).toEqual([])
  })

  it('cuts off a subscription flood after its burst, and takes its whole list in one RPC when it reconnects', async () => {
    const { honest, other, reports, refused, connect } = await setup()
    await connect()
    const topics = Array.from({ length: GOSSIP_SUBSCRIPTION_BURST * 2 }, wellFormed)
    // One RPC per topic, as fast as the peer can send them.
    for (const t of topics) other.services.pubsub.subscribe(t)
    await waitFor(() => reports.length > 0, 10_000)
    expect(reports).toEqual([[other.peerId.toString(), 'subscription-rate']])
    await waitFor(() => honest.getConnections(other.peerId).length === 0, 10_000)
    // The first RPC is free, then one token each (the bucket refills a little meanwhile).
    expect(refused.length).toBeGreaterThan(0)
    // Reconnected, its whole list (every topic) comes in the first RPC, which is accepted.
    // (Both ends: a dial while the other end still holds the closing connection would get that one back.)
    await waitFor(() => other.getConnections(honest.peerId).length === 0, 10_000)
    await connect()
    await waitFor(() => tracked(honest, topics) === topics.length, 10_000)
    expect(reports).toHaveLength(1)
  })

  it('never reports a peer joining rooms at a human pace, nor an exempt one', async () => {
    for (const exempt of [false, true]) {
      const { honest, other, reports, connect } = await setup(exempt)
      await connect()
      const topics: string[] = []
      // Ten rooms joined within a second (two topics each), then: fine for anyone; the exempt peer floods on top.
      for (let i = 0; i < 10; i++) {
        const keys = deriveRoomKeys(createRoomSecret())
        topics.push(keys.topic, keys.ephemeralTopic)
        other.services.pubsub.subscribe(keys.topic)
        other.services.pubsub.subscribe(keys.ephemeralTopic)
      }
      if (exempt) for (let i = 0; i < GOSSIP_SUBSCRIPTION_BURST * 2; i++) { const t = wellFormed(); topics.push(t); other.services.pubsub.subscribe(t) }
      await waitFor(() => tracked(honest, topics) === topics.length, 10_000)
      expect(reports).toEqual([])
      expect(honest.getConnections(other.peerId).length).toBeGreaterThan(0)
      for (const n of nodes.splice(0)) await n.stop()
    }
  })
})
