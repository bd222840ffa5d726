import { gossipsub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import {
  GOSSIP_D, GOSSIP_D_HIGH, GOSSIP_D_LOW, GOSSIP_D_OUT, GOSSIP_MAX_CONTROL_MESSAGES, GOSSIP_MAX_IDONTWANT_IDS,
  GOSSIP_MAX_IHAVE_IDS, GOSSIP_MAX_INBOUND_DATA_BYTES, GOSSIP_MAX_IWANT_IDS, GOSSIP_MAX_MESSAGES_PER_RPC,
  GOSSIP_MAX_PEER_INFOS, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC, GOSSIP_MAX_TOPIC_BYTES_PER_PEER
} from '../constants.ts'
import { chatMsgId } from './msg-id.ts'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'

export interface ChatGossipInit {
  /** Relays set this: they exchange peer records in PRUNE (peer exchange) so peers can find more of the mesh. */
  doPX?: boolean
  /** IP addresses exempt from the IP colocation penalty (a LAN or loopback test runs many peers on one address). */
  trustedIps?: string[]
  /** Extra options, applied last (benchmarks and tests of the mesh). */
  overrides?: Partial<GossipsubOpts>
}

/**
 * Gossipsub configured for chat rooms: a room of 2 works (floodPublish, publishing with no subscribed peer yet is not an
 * error: catch-up sync delivers those messages later), a room of 100 does not flood (explicit mesh degrees, peer
 * scoring per topic so peers whose frames are rejected lose their mesh slots), and every decoder is bounded.
 */
export function chatGossipsubOptions (init: ChatGossipInit = {}): Partial<GossipsubOpts> {
  return {
    globalSignaturePolicy: 'StrictSign',
    emitSelf: false,
    floodPublish: true,
    allowPublishToZeroTopicPeers: true,
    ignoreDuplicatePublishError: true,
    // Circuit relay connections are limited, but in a browser they are the only path until WebRTC is up.
    runOnLimitedConnection: true,
    fallbackToFloodsub: false,
    doPX: init.doPX ?? false,
    D: GOSSIP_D,
    Dlo: GOSSIP_D_LOW,
    Dhi: GOSSIP_D_HIGH,
    Dout: GOSSIP_D_OUT,
    msgIdFn: chatMsgId,
    maxInboundDataLength: GOSSIP_MAX_INBOUND_DATA_BYTES,
    maxTopicBytesPerPeer: GOSSIP_MAX_TOPIC_BYTES_PER_PEER,
    decodeRpcLimits: {
      maxSubscriptions: GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC,
      maxMessages: GOSSIP_MAX_MESSAGES_PER_RPC,
      maxIhaveMessageIDs: GOSSIP_MAX_IHAVE_IDS,
      maxIwantMessageIDs: GOSSIP_MAX_IWANT_IDS,
      maxIdontwantMessageIDs: GOSSIP_MAX_IDONTWANT_IDS,
      maxControlMessages: GOSSIP_MAX_CONTROL_MESSAGES,
      maxPeerInfos: GOSSIP_MAX_PEER_INFOS
    },
    scoreParams: {
      IPColocationFactorWhitelist: new Set(init.trustedIps ?? ['127.0.0.1', '::1']),
      topics: {}
    },
    scoreThresholds: {
      gossipThreshold: -10,
      publishThreshold: -50,
      graylistThreshold: -80,
      acceptPXThreshold: 10,
      opportunisticGraftThreshold: 20
    },
    ...init.overrides
  }
}

/** The gossipsub service factory for chat nodes. */
export function chatGossipsub (init: ChatGossipInit = {}): ReturnType<typeof gossipsub> {
  return gossipsub(chatGossipsubOptions(init))
}

/**
 * Score parameters of one room topic: rejected (invalid) frames cost a lot, so a peer that publishes garbage or forged
 * frames drops below the graylist threshold quickly; nothing else is penalised (small rooms are quiet).
 */
export function roomTopicScore (): TopicScoreParams {
  return createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -20,
    invalidMessageDeliveriesDecay: 0.5
  })
}

/** Registers score parameters for a topic we join (gossipsub only scores topics it has parameters for). */
export function scoreTopic (pubsub: GossipSub, topic: string): void {
  const params = (pubsub as unknown as { score?: { params?: { topics: Record<string, TopicScoreParams> } } }).score?.params
  if (params != null && params.topics[topic] == null) params.topics[topic] = roomTopicScore()
}

/** Removes a topic's score parameters when we leave it. */
export function unscoreTopic (pubsub: GossipSub, topic: string): void {
  const params = (pubsub as unknown as { score?: { params?: { topics: Record<string, TopicScoreParams> } } }).score?.params
  if (params != null) Reflect.deleteProperty(params.topics, topic)
}
