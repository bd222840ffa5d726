/**
 * The relay's counters and gauges, rendered in the Prometheus text exposition format (version 0.0.4) at /metrics.
 * Plain counters: the relay's numbers are few and a metrics library would be heavier than the relay's own logic.
 */

/** Why the relay dropped something; each reason is its own series. */
export type DropReason =
  | 'bad-write-signature' | 'malformed' | 'oversized' | 'rejected-update' | 'not-kept' | 'wrong-kind' | 'error'
  // Frames in RPCs gossipsub refused unread because their sender is graylisted (src/net/prompt-graylist.ts).
  | 'graylisted'
  | 'keep-bad-request' | 'keep-bad-signature' | 'keep-stale' | 'keep-wrong-relay' | 'keep-quota' | 'keep-conflict'
  // Sync sessions refused (src/chat/sync-auth.ts): an old wire version, no membership proof, a proof that does not verify.
  | 'sync-version' | 'sync-no-proof' | 'sync-bad-proof'

/** Why the relay refused a peer's subscription RPC (src/net/subscription-guard.ts). */
export type SubscriptionRefusal = 'subscription-bad-topic' | 'subscription-rate'

export interface RelayGauges {
  connections: () => number
  reservations: () => number
  roomsKept: () => number
  /** Kept rooms whose log is open in memory now (idle ones are closed until needed). */
  roomsLoaded?: () => number
  peersByTopic?: () => number
  /** Gossipsub scores of the peers gossipsub knows, and the graylist threshold (peers below it are ignored). */
  gossipScores?: () => { scores: number[], graylistThreshold: number }
}

/** Counters the relay updates as it runs. */
export class RelayMetrics {
  framesRelayed = 0
  ephemeralRelayed = 0
  keepRequests = 0
  syncSessions = 0
  httpRequests = 0
  /** Peers disconnected because their frames kept failing (src/net/reject-strikes.ts). */
  peersStruck = 0
  readonly dropped = new Map<DropReason, number>()
  /** Topics named in subscription RPCs refused unread, and peers disconnected for them, by rule broken. */
  readonly subscriptionsRefused = new Map<SubscriptionRefusal, number>()
  readonly peersCutForSubscriptions = new Map<SubscriptionRefusal, number>()
  readonly #gauges: RelayGauges
  readonly #started = Date.now()

  constructor (gauges: RelayGauges) {
    this.#gauges = gauges
  }

  drop (reason: DropReason, frames = 1): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + frames)
  }

  /** Prometheus text format. */
  render (): string {
    const lines: string[] = []
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
    }
    metric('chatsphere_relay_connections', 'gauge', 'Open libp2p connections.', [['', this.#gauges.connections()]])
    metric('chatsphere_relay_reservations', 'gauge', 'Active circuit relay v2 reservations.', [['', this.#gauges.reservations()]])
    metric('chatsphere_relay_rooms_kept', 'gauge', 'Rooms whose encrypted log this relay keeps.', [['', this.#gauges.roomsKept()]])
    if (this.#gauges.roomsLoaded != null) metric('chatsphere_relay_rooms_loaded', 'gauge', 'Kept rooms whose log is open in memory (idle ones are closed until needed).', [['', this.#gauges.roomsLoaded()]])
    metric('chatsphere_relay_frames_relayed_total', 'counter', 'Room frames (messages) accepted, stored and forwarded; one update may carry several.', [['', this.framesRelayed]])
    metric('chatsphere_relay_ephemeral_relayed_total', 'counter', 'Ephemeral frames (presence, typing, read) accepted and forwarded.', [['', this.ephemeralRelayed]])
    const drops: Array<[string, number]> = [...this.dropped].map(([reason, n]) => [`{reason="${reason}"}`, n])
    if (drops.length === 0) drops.push(['{reason="bad-write-signature"}', 0])
    metric('chatsphere_relay_frames_dropped_total', 'counter', 'Frames, updates and requests dropped, by reason.', drops)
    const byRule = (m: Map<SubscriptionRefusal, number>): Array<[string, number]> => {
      const out: Array<[string, number]> = [...m].map(([reason, n]) => [`{reason="${reason}"}`, n])
      if (out.length === 0) out.push(['{reason="subscription-rate"}', 0])
      return out
    }
    metric('chatsphere_relay_subscriptions_refused_total', 'counter', 'Topics named in subscription RPCs refused unread (not a ChatSphere topic, or too many RPCs), by reason.', byRule(this.subscriptionsRefused))
    metric('chatsphere_relay_peers_cut_total', 'counter', 'Peers disconnected for their subscription RPCs, by reason.', byRule(this.peersCutForSubscriptions))
    metric('chatsphere_relay_keep_requests_total', 'counter', 'Keep requests received.', [['', this.keepRequests]])
    metric('chatsphere_relay_sync_sessions_total', 'counter', 'History sync sessions served or started.', [['', this.syncSessions]])
    metric('chatsphere_relay_http_requests_total', 'counter', 'HTTP requests served.', [['', this.httpRequests]])
    const gossip = this.#gauges.gossipScores?.()
    if (gossip != null) {
      // Aggregates only: per-peer series would publish every member's peer id on an unauthenticated endpoint.
      metric('chatsphere_relay_gossip_peers_graylisted', 'gauge', 'Gossipsub peers whose score is below the graylist threshold (their RPCs are ignored).',
        [['', gossip.scores.filter(s => s < gossip.graylistThreshold).length]])
      metric('chatsphere_relay_gossip_score_min', 'gauge', 'Lowest gossipsub peer score (0 with no peers).', [['', gossip.scores.length === 0 ? 0 : Math.min(...gossip.scores)]])
    }
    metric('chatsphere_relay_peers_struck_total', 'counter', 'Peers disconnected because their frames kept failing validation.', [['', this.peersStruck]])
    metric('chatsphere_relay_uptime_seconds', 'gauge', 'Seconds since the relay started.', [['', Math.round((Date.now() - this.#started) / 1000)]])
    return lines.join('\n') + '\n'
  }
}
