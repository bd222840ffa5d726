/**
 * Bounds what a peer's subscription messages may cost us. Gossipsub (js, v17) tracks any topic a peer names, within
 * a per-peer byte budget, and a subscription costs no score; each RPC still costs its receiver the read (noise,
 * yamux with a window update written back per frame, protobuf) and a `subscription-change` event. The hostile-peer
 * benchmark's subscription flood (one identity subscribing to 834 topics, one RPC each, in a fraction of a second)
 * landed on the relay and the honest peer as one burst of work, and nothing ever cut that identity off.
 *
 * Two rules, checked before gossipsub handles the RPC:
 * - every topic must be a ChatSphere topic (the room or ephemeral prefix and TOPIC_HASH_BYTES in base32, which is
 *   all an honest node subscribes to); go-libp2p and rust-libp2p offer the same as a subscription filter;
 * - subscription RPCs after a peer's first one (its whole list, sent when its stream opens: free) spend tokens from a
 *   per-peer bucket of GOSSIP_SUBSCRIPTION_BURST tokens refilled at GOSSIP_SUBSCRIPTION_REFILL_PER_S; an RPC costs 1
 *   token per GOSSIP_SUBSCRIPTION_TOPICS_PER_TOKEN topics it names (at least 1). Joining or leaving a room is 2
 *   RPCs of one topic each.
 * A peer that breaks a rule has that RPC and all its later ones refused unread, and is reported once (the caller
 * disconnects it). Nothing is remembered after it disconnects: a peer that reconnects starts with a full bucket and
 * sends its whole list in one (free) RPC, so an honest peer cut off for joining dozens of rooms within seconds is
 * whole again after its reconnect. Peers `exempt` says to spare (our relays: a relay keeping many new rooms at once
 * subscribes to them one by one) are not checked.
 *
 * Reaches into gossipsub's implementation (`handleReceivedRpc`, `removePeer`): if a future version renames them,
 * install returns false and nothing is checked (tests/unit/net/subscription-guard.test.ts fails to say so).
 */
import { GOSSIP_SUBSCRIPTION_BURST, GOSSIP_SUBSCRIPTION_REFILL_PER_S, GOSSIP_SUBSCRIPTION_TOPICS_PER_TOKEN } from '../constants.ts'
import { isChatTopic } from '../room/keys.ts'
import type { GossipSub } from '@libp2p/gossipsub'

/** Which rule a refused subscription RPC broke. */
export type SubscriptionViolation = 'subscription-bad-topic' | 'subscription-rate'

export interface SubscriptionGuardInit {
  /** Called once per connection of an offending peer, with the rule it broke first; typically disconnects it. */
  onViolation: (peerId: string, reason: SubscriptionViolation) => void
  /** Called for every refused RPC, with the number of topics it named (for drop counters). */
  onRefused?: (peerId: string, reason: SubscriptionViolation, topics: number) => void
  /** Peers never checked (our relays). */
  exempt?: (peerId: string) => boolean
  /** Bucket size, refill rate (tokens per second) and topics per token (defaults: the GOSSIP_SUBSCRIPTION_* constants). */
  burst?: number
  refillPerSecond?: number
  topicsPerToken?: number
  /** Clock, ms (tests). */
  now?: () => number
}

interface RpcLike { subscriptions?: Array<{ topic?: string | null, subscribe?: boolean | null }> }
interface GossipSubImpl {
  handleReceivedRpc?: (from: { toString: () => string }, rpc: RpcLike) => Promise<void>
  removePeer?: (peerId: { toString: () => string }) => void
}
interface PeerState { tokens: number, at: number, seen: boolean, refused: SubscriptionViolation | undefined }

/**
 * Installs the guard on a gossipsub instance (before it handles traffic). Returns false, changing nothing, when the
 * implementation does not have the expected shape.
 */
export function installSubscriptionGuard (pubsub: GossipSub, init: SubscriptionGuardInit): boolean {
  const impl = pubsub as unknown as GossipSubImpl
  if (typeof impl.handleReceivedRpc !== 'function' || typeof impl.removePeer !== 'function') return false
  const burst = init.burst ?? GOSSIP_SUBSCRIPTION_BURST
  const refill = (init.refillPerSecond ?? GOSSIP_SUBSCRIPTION_REFILL_PER_S) / 1000
  const perToken = init.topicsPerToken ?? GOSSIP_SUBSCRIPTION_TOPICS_PER_TOKEN
  const now = init.now ?? Date.now
  const peers = new Map<string, PeerState>()

  const verdict = (id: string, subs: NonNullable<RpcLike['subscriptions']>): SubscriptionViolation | undefined => {
    let p = peers.get(id)
    if (p === undefined) {
      p = { tokens: burst, at: now(), seen: false, refused: undefined }
      peers.set(id, p)
    }
    if (p.refused !== undefined) return p.refused
    for (const s of subs) if (typeof s.topic !== 'string' || !isChatTopic(s.topic)) return 'subscription-bad-topic'
    if (!p.seen) { p.seen = true; return undefined }
    const t = now()
    p.tokens = Math.min(burst, p.tokens + (t - p.at) * refill)
    p.at = t
    const cost = Math.max(1, Math.ceil(subs.length / perToken))
    if (p.tokens < cost) return 'subscription-rate'
    p.tokens -= cost
    return undefined
  }

  const handleRpc = impl.handleReceivedRpc
  impl.handleReceivedRpc = async function (from, rpc) {
    const subs = rpc.subscriptions
    // A refused peer's later RPCs (whatever they carry) are dropped too, until it is disconnected.
    const refused = peers.size > 0 ? peers.get(from.toString())?.refused : undefined
    if (refused !== undefined) {
      if (subs != null && subs.length > 0) init.onRefused?.(from.toString(), refused, subs.length)
      return
    }
    if (subs != null && subs.length > 0) {
      const id = from.toString()
      if (!(init.exempt?.(id) ?? false)) {
        const bad = verdict(id, subs)
        if (bad !== undefined) {
          const p = peers.get(id)
          init.onRefused?.(id, bad, subs.length)
          if (p !== undefined && p.refused === undefined) {
            p.refused = bad
            // Later, not inside gossipsub's read loop (the callback typically drops the peer's connections).
            queueMicrotask(() => { init.onViolation(id, bad) })
          }
          return
        }
      }
    }
    return await handleRpc.call(this, from, rpc)
  }
  const removePeer = impl.removePeer
  impl.removePeer = function (peerId) {
    peers.delete(peerId.toString())
    removePeer.call(this, peerId)
  }
  return true
}
