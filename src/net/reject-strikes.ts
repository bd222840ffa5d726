/**
 * Frames a peer sent us that a topic validator rejected, per peer. Gossipsub charges them to the peer's score, but
 * reads its score from a cache (one heartbeat) and accepts a new peer's first RPCs unchecked: a fresh identity gets
 * a burst of a few hundred frames verified before it is graylisted. Past `limit` rejections within `windowMs` the
 * peer is struck and the caller disconnects it (its score is kept, so it comes back graylisted). Its frames must
 * still be judged one by one until then: gossipsub remembers a verdict per message id, so refusing a message because
 * of who forwarded it would also drop the honest copy another peer sends (found by the hostile-peer benchmark).
 */
import { GOSSIP_REJECT_HANGUP_DELAY_MS, GOSSIP_REJECT_STRIKES, GOSSIP_REJECT_STRIKE_WINDOW_MS, GOSSIP_REJECT_STRIKE_PEERS } from '../constants.ts'

export interface RejectStrikesInit {
  /** Rejections within the window that strike a peer (default GOSSIP_REJECT_STRIKES). */
  limit?: number
  /** Window over which rejections are counted, ms (default GOSSIP_REJECT_STRIKE_WINDOW_MS). */
  windowMs?: number
  /** Peers tracked at once; the oldest are forgotten first (default GOSSIP_REJECT_STRIKE_PEERS). */
  maxPeers?: number
}

export class RejectStrikes {
  readonly #limit: number
  readonly #windowMs: number
  readonly #maxPeers: number
  readonly #peers = new Map<string, { n: number, since: number }>()

  constructor (init: RejectStrikesInit = {}) {
    this.#limit = init.limit ?? GOSSIP_REJECT_STRIKES
    this.#windowMs = init.windowMs ?? GOSSIP_REJECT_STRIKE_WINDOW_MS
    this.#maxPeers = init.maxPeers ?? GOSSIP_REJECT_STRIKE_PEERS
  }

  /** Records one rejected frame from `peer`; true exactly once, when this rejection strikes it. */
  note (peer: string, now = Date.now()): boolean {
    let e = this.#peers.get(peer)
    if (e === undefined || now - e.since > this.#windowMs) {
      e = { n: 0, since: now }
      this.#peers.delete(peer)
      this.#peers.set(peer, e)
      if (this.#peers.size > this.#maxPeers) {
        const oldest = this.#peers.keys().next().value
        if (oldest !== undefined) this.#peers.delete(oldest)
      }
    }
    e.n++
    return e.n === this.#limit
  }

  /** True while `peer` is struck (its rejections reached the limit within the current window). */
  struck (peer: string, now = Date.now()): boolean {
    const e = this.#peers.get(peer)
    return e !== undefined && e.n >= this.#limit && now - e.since <= this.#windowMs
  }
}

/**
 * Disconnects a struck peer once its penalty is visible in its (cached) gossipsub score, so the score is kept after
 * the disconnect. Errors (already gone, node stopped) are ignored.
 */
export function hangUpLater (hangUp: () => Promise<void>, delayMs = GOSSIP_REJECT_HANGUP_DELAY_MS): void {
  const timer = setTimeout(() => { hangUp().catch(() => {}) }, delayMs)
  ;(timer as { unref?: () => void }).unref?.()
}
