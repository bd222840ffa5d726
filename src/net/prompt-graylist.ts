/**
 * Makes gossipsub act on a rejected frame at once instead of up to a heartbeat later.
 *
 * Gossipsub (js, v14) checks a peer's score before handling its RPC, but it reads the score from a cache valid for a
 * heartbeat (1 s), and a peer whose cached score is >= 0 is waved through for 128 messages or 1 s without looking.
 * A fresh identity therefore has a whole second of frames verified (two Ed25519 signatures each, plus parsing) before
 * its penalties count: the hostile-peer benchmark measured ~800 of 834 frames per attack class verified by the honest
 * peer, which kept its event loop busy for up to a second and held the honest sender's own messages back (issue 8,
 * test 1: p99 78x the baseline).
 *
 * Here every invalid-message mark (a frame our validator returned Reject for, or a copy of such a frame) drops that
 * peer's cached score and its accept-without-looking allowance, so its next RPC is judged on its current score: with
 * the P4 weight of GOSSIP_INVALID_MESSAGE_WEIGHT (squared counter) the third rejected frame graylists it. This only
 * applies the configured score policy promptly; it changes no weight or threshold.
 *
 * It also keeps a disconnected peer's retained score when it reconnects (this gossipsub version overwrites the
 * retained stats with fresh ones on reconnect, so a graylisted identity could clear its score by redialling), and
 * reports a peer once when its score falls below the graylist threshold, so the caller can disconnect it at once
 * (its penalty is in the retained score, which the reconnect keeps).
 *
 * Reaches into gossipsub's implementation (fields `score`, `acceptFromWhitelist`; PeerScore's
 * `markInvalidMessageDelivery`, `addPeer`, `scoreCache`, `peerStats`): if a future version renames them, install
 * returns false and gossipsub behaves as before (tests/unit/net/prompt-graylist.test.ts fails to say so).
 */
import { GOSSIP_GRAYLIST_THRESHOLD } from '../constants.ts'
import { RejectedUpdateError } from '../errors.ts'
import type { GossipSub } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'

export interface PromptGraylistInit {
  /**
   * Called once (per graylisting) with a peer whose freshly computed score is below `graylistThreshold`; typically
   * disconnects it. Not called for peers `exempt` says to spare.
   */
  onGraylisted?: (peerId: string) => void
  /** Peers never reported to `onGraylisted` (our relays: they forward what many members sent). */
  exempt?: (peerId: string) => boolean
  /**
   * Called for every RPC gossipsub refuses unread because its sender is graylisted, with the number of messages
   * (frames) in it: they are dropped without any check, and this is where they are counted.
   */
  onRefused?: (peerId: string, messages: number) => void
  /** Default GOSSIP_GRAYLIST_THRESHOLD (must match the gossipsub option). */
  graylistThreshold?: number
}

interface PeerStatsLike { connected: boolean, expire: number }
interface PeerScoreImpl {
  score: (id: string) => number
  markInvalidMessageDelivery: (from: string, topic: string) => void
  addPeer: (id: string) => void
  scoreCache: Map<string, unknown>
  peerStats: Map<string, PeerStatsLike>
}
interface RpcLike { messages?: unknown[] }
interface GossipSubImpl {
  score?: Partial<PeerScoreImpl>
  acceptFromWhitelist?: Map<string, unknown>
  acceptFrom?: (id: string) => boolean
  handleReceivedRpc?: (from: { toString: () => string }, rpc: RpcLike) => Promise<void>
}

/** Peers reported at once at most; older entries are forgotten (a forgotten peer may be reported again). */
const MAX_REPORTED = 4096

/**
 * Installs the prompt graylist on a gossipsub instance (before it handles traffic). Returns false, changing nothing,
 * when the implementation does not have the expected shape.
 */
export function installPromptGraylist (pubsub: GossipSub, init: PromptGraylistInit = {}): boolean {
  const impl = pubsub as unknown as GossipSubImpl
  const score = impl.score
  const whitelist = impl.acceptFromWhitelist
  if (score == null || !(whitelist instanceof Map) || !(score.scoreCache instanceof Map) || !(score.peerStats instanceof Map) ||
    typeof score.markInvalidMessageDelivery !== 'function' || typeof score.addPeer !== 'function' || typeof score.score !== 'function' ||
    typeof impl.acceptFrom !== 'function' || typeof impl.handleReceivedRpc !== 'function') {
    return false
  }
  const s = score as PeerScoreImpl
  const threshold = init.graylistThreshold ?? GOSSIP_GRAYLIST_THRESHOLD
  const reported = new Set<string>()
  const report = (id: string): void => {
    if (init.onGraylisted == null || (init.exempt?.(id) ?? false)) return
    reported.add(id)
    if (reported.size > MAX_REPORTED) {
      const oldest = reported.values().next().value
      if (oldest !== undefined) reported.delete(oldest)
    }
    // Later, not inside gossipsub's handling of this message (the callback typically drops the peer's connections).
    const onGraylisted = init.onGraylisted
    queueMicrotask(() => { onGraylisted(id) })
  }

  const markInvalid = s.markInvalidMessageDelivery
  s.markInvalidMessageDelivery = function (from: string, topic: string): void {
    markInvalid.call(this, from, topic)
    s.scoreCache.delete(from)
    whitelist.delete(from)
    if (!reported.has(from) && s.score(from) < threshold) report(from)
  }

  const addPeer = s.addPeer
  s.addPeer = function (id: string): void {
    const kept = s.peerStats.get(id)
    // A retained (non-positive) score: the peer comes back with it, as gossipsub v1.1 specifies.
    if (kept != null && !kept.connected) {
      kept.connected = true
      kept.expire = 0
      s.scoreCache.delete(id)
      reported.delete(id)
      // Still graylisted: every RPC of it would be decoded and dropped; report it again.
      if (s.score(id) < threshold) report(id)
      return
    }
    addPeer.call(this, id)
  }

  const onRefused = init.onRefused
  if (onRefused != null) {
    // handleReceivedRpc calls acceptFrom first, synchronously: a refusal seen during that call is this RPC's.
    const acceptFrom = impl.acceptFrom as (id: string) => boolean
    const handleRpc = impl.handleReceivedRpc as NonNullable<GossipSubImpl['handleReceivedRpc']>
    let refused = false
    impl.acceptFrom = function (id: string): boolean {
      const ok = acceptFrom.call(this, id)
      if (!ok) refused = true
      return ok
    }
    impl.handleReceivedRpc = function (from, rpc) {
      refused = false
      const done = handleRpc.call(this, from, rpc)
      if (refused) {
        refused = false
        const n = rpc.messages?.length ?? 0
        if (n > 0) onRefused(from.toString(), n)
      }
      return done
    }
  }
  return true
}

/**
 * Drops every connection to a graylisted peer at once. Not a graceful close: that waits for the peer to end its
 * streams (up to the close timeout) while it keeps sending, and everything it sends meanwhile is still decrypted and
 * decoded before gossipsub refuses it (the hostile benchmark's 64 KiB frames kept an honest peer busy for seconds).
 */
export function abortConnections (node: { getConnections: (peer?: PeerId) => Array<{ abort: (err: Error) => void }> }, peer: PeerId): void {
  for (const c of node.getConnections(peer)) c.abort(new RejectedUpdateError('graylisted: its frames kept failing validation'))
}
