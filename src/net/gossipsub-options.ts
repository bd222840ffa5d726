import { gossipsub } from '@libp2p/gossipsub'
import { createTopicScoreParams } from '@libp2p/gossipsub/score'
import {
  GOSSIP_D, GOSSIP_D_HIGH, GOSSIP_D_LOW, GOSSIP_D_OUT, GOSSIP_MAX_CONTROL_MESSAGES, GOSSIP_MAX_IDONTWANT_IDS,
  GOSSIP_MAX_IHAVE_IDS, GOSSIP_MAX_INBOUND_DATA_BYTES, GOSSIP_MAX_IWANT_IDS, GOSSIP_MAX_MESSAGES_PER_RPC,
  GOSSIP_MAX_PEER_INFOS, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC, GOSSIP_MAX_TOPIC_BYTES_PER_PEER,
  GOSSIP_ACCEPT_PX_THRESHOLD, GOSSIP_BEHAVIOUR_PENALTY_DECAY, GOSSIP_BEHAVIOUR_PENALTY_WEIGHT, GOSSIP_GOSSIP_THRESHOLD,
  GOSSIP_GRAYLIST_THRESHOLD, GOSSIP_INVALID_MESSAGE_DECAY, GOSSIP_INVALID_MESSAGE_WEIGHT, GOSSIP_IP_COLOCATION_THRESHOLD,
  GOSSIP_IP_COLOCATION_WEIGHT, GOSSIP_OPPORTUNISTIC_GRAFT_THRESHOLD, GOSSIP_PUBLISH_THRESHOLD, GOSSIP_SCORE_DECAY_INTERVAL_MS,
  GOSSIP_SCORE_RETAIN_MS, GOSSIP_TOPIC_SCORE_CAP
} from '../constants.ts'
import { chatMsgId } from './msg-id.ts'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'

export interface ChatGossipInit {
  /** Relays set this: they exchange peer records in PRUNE (peer exchange) so peers can find more of the mesh. */
  doPX?: boolean
  /**
   * IP addresses exempt from the IP colocation penalty (P6). P6 is off (GOSSIP_IP_COLOCATION_WEIGHT = 0, see there
   * why), so this matters only if that weight is made negative again. None by default, not even loopback: tests run
   * as deployed (a loopback exemption hid that P6 cut off every peer sharing an address with an attacker).
   */
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
    // Every score parameter is explicit (not the library's defaults, which may change between versions).
    scoreParams: {
      topics: {},
      topicScoreCap: GOSSIP_TOPIC_SCORE_CAP,
      appSpecificScore: () => 0,
      appSpecificWeight: 0,
      IPColocationFactorWeight: GOSSIP_IP_COLOCATION_WEIGHT,
      IPColocationFactorThreshold: GOSSIP_IP_COLOCATION_THRESHOLD,
      IPColocationFactorWhitelist: new Set(init.trustedIps ?? []),
      behaviourPenaltyWeight: GOSSIP_BEHAVIOUR_PENALTY_WEIGHT,
      behaviourPenaltyThreshold: 0,
      behaviourPenaltyDecay: GOSSIP_BEHAVIOUR_PENALTY_DECAY,
      decayInterval: GOSSIP_SCORE_DECAY_INTERVAL_MS,
      decayToZero: 0.1,
      retainScore: GOSSIP_SCORE_RETAIN_MS
    },
    scoreThresholds: {
      gossipThreshold: GOSSIP_GOSSIP_THRESHOLD,
      publishThreshold: GOSSIP_PUBLISH_THRESHOLD,
      graylistThreshold: GOSSIP_GRAYLIST_THRESHOLD,
      acceptPXThreshold: GOSSIP_ACCEPT_PX_THRESHOLD,
      opportunisticGraftThreshold: GOSSIP_OPPORTUNISTIC_GRAFT_THRESHOLD
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
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: GOSSIP_INVALID_MESSAGE_WEIGHT,
    invalidMessageDeliveriesDecay: GOSSIP_INVALID_MESSAGE_DECAY
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

/**
 * A peer's gossipsub score as this node sees it (the public GossipSub interface does not expose `getScore`, the
 * implementation does). Below `GOSSIP_GRAYLIST_THRESHOLD`, every RPC from that peer is ignored.
 */
export function peerScore (pubsub: GossipSub, peerId: string): number {
  const impl = pubsub as unknown as { getScore?: (id: string) => number }
  if (typeof impl.getScore !== 'function') throw new TypeError('this gossipsub implementation does not expose peer scores')
  return impl.getScore(peerId)
}
