/**
 * History sync on the relay: serves SYNC_PROTOCOL for every kept room, and keeps federated relays in step: when a
 * relay named by --peer subscribes to a topic we keep (or we start keeping a topic it has), we start a sync session,
 * so both end with the union of what either kept; frames that arrive that way are then pushed to the room's member
 * peers and to the other peer relays by syncing with them (sync results are not gossiped). Pushes follow only frames
 * new to the log, so relays pushing to each other stop as soon as both hold the same log.
 *
 * A push is triggered by the log itself (frames applied with the sync origin), not by a session's result: a member's
 * CLI `send` that had no gossip recipient pushes its message by sync and exits as soon as the relay holds it, often
 * before the session ends cleanly; the relay then saw a failed session, pushed nothing, and the room's other members
 * waited for their next keep refresh (up to a minute; the hostile-peer follower's missing live message).
 *
 * Membership (src/chat/sync-auth.ts): a relay holds no write key. It serves a kept room only to a peer that proves
 * membership (a member's write key signature over the session, or another relay's keep request from a member) or is
 * one of its --peer relays, and sends its own chunks only after the same check of the other side's `state`. Its own
 * proof is the keep request a member addressed to it, shown in `state` once the initiator passed, and in `hello` only
 * to its --peer relays; a member accepts a `hello` without proof from its own relays (pushes).
 */
import { CATCH_UP_MS } from '../src/constants.ts'

/** Delay that coalesces pushes of one room to its members. */
const PUSH_DELAY_MS = 100
import { roomSync } from '../src/chat/room-sync.ts'
import { syncAuth } from '../src/chat/sync-auth.ts'
import type { SyncAuth, SyncRefusal, SyncResult } from '../src/history/sync.ts'
import type { KeptRoom, KeptRooms } from './kept-rooms.ts'
import type { RelayMetrics } from './metrics.ts'
import type { GossipSub, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { Logger } from 'pino'

export interface RelaySyncInit {
  node: Libp2p<{ pubsub: GossipSub }>
  kept: KeptRooms
  metrics: RelayMetrics
  log: Logger
  /** True for peers that are federated relays (from --peer). */
  isPeerRelay: (peerId: string) => boolean
}

export interface RelaySync {
  start: () => Promise<void>
  /** Syncs a newly kept room with every peer relay subscribed to it. */
  roomAdded: (room: KeptRoom) => void
  /**
   * A live update brought nothing we could show: it is a duplicate, or it depends on something we lack (Yjs keeps it
   * pending). Sync the room with the peer that forwarded it (at most once per CATCH_UP_MS per peer and room).
   */
  catchUp: (peer: string, room: KeptRoom) => void
  /** Pushes to the room's members whatever its log gains by sync (call once per kept room). */
  track: (room: KeptRoom) => void
  stop: () => void
}

interface PushState { timer?: ReturnType<typeof setTimeout>, again: boolean }

export function relaySync (init: RelaySyncInit): RelaySync {
  const { node, kept, metrics, log } = init
  const sync = roomSync()
  let stopped = false
  const auth = (room: KeptRoom): SyncAuth =>
    syncAuth({ writePublicKey: room.writePublicKey, keepRequest: () => room.keepRequest, trusted: init.isPeerRelay })
  const refused = { onRefused: (reason: SyncRefusal, topic: string, peer: string): void => {
    metrics.drop(`sync-${reason}`)
    log.debug({ peer, topic, reason }, 'refused a sync session')
  } }

  /**
   * Pushes a room to its subscribers (member peers and peer relays) by syncing with them: what arrives by sync (a
   * member catching up after being offline, a federated relay) is not gossiped, and nobody online now should wait
   * for their next keep refresh or for the next message to notice the gap. Coalesced per room (so it goes to every subscriber, the sender included: whoever triggered the
   * first push may not be the only one who brought something).
   */
  // Per room: a push waiting to start, a push under way, and whether frames came in meanwhile (one more round after
  // it, so a long sync that brings frames chunk by chunk costs one round per finished round, not one per chunk).
  const pushing = new Map<string, PushState>()
  /** One sync session with a peer, holding the room's log (opened if it was idle) for its length. */
  const syncKept = async (peer: string, room: KeptRoom): Promise<SyncResult> =>
    await room.use(async (roomLog) => await sync.syncRoom(node, peer, room.topic, roomLog, auth(room), refused))
  const pushRound = async (room: KeptRoom): Promise<void> => {
    const sessions = node.services.pubsub.getSubscribers(room.topic).map(async (peer) => {
      const id = peer.toString()
      if (init.isPeerRelay(id)) { await syncWith(id, room); return }
      try {
        const r = await syncKept(id, room)
        metrics.syncSessions++
        // A push is a two-way sync: what this member had and we lacked (its messages from while we were down, or
        // frames a crash of ours lost) goes on to the others too, by the log listener (found by the chaos test).
        log.debug({ peer: id, room: room.roomIdText, sent: r.sent, received: r.received }, 'pushed room to member')
      } catch (err) {
        log.debug({ peer: id, err: (err as Error).message }, 'push to member failed')
      }
    })
    await Promise.all(sessions)
  }
  const pushToMembers = (room: KeptRoom): void => {
    if (stopped) return
    const state = pushing.get(room.topic)
    if (state != null) {
      // Waiting to start: it will carry these frames too. Under way: it may have read the log before them.
      if (state.timer === undefined) state.again = true
      return
    }
    const next: PushState = { again: false }
    next.timer = setTimeout(() => {
      next.timer = undefined
      void pushRound(room).finally(() => {
        pushing.delete(room.topic)
        if (next.again) pushToMembers(room)
      })
    }, PUSH_DELAY_MS)
    pushing.set(room.topic, next)
  }

  const syncWith = async (peer: string, room: KeptRoom): Promise<void> => {
    if (stopped) return
    try {
      const result = await syncKept(peer, room)
      metrics.syncSessions++
      log.debug({ peer, room: room.roomIdText, ...result }, 'synced room with peer relay')
    } catch (err) {
      log.debug({ peer, room: room.roomIdText, err: (err as Error).message }, 'sync with peer relay failed')
    }
  }

  const onSubscription = (evt: CustomEvent<SubscriptionChangeData>): void => {
    const peer = evt.detail.peerId.toString()
    if (!init.isPeerRelay(peer)) return
    for (const s of evt.detail.subscriptions) {
      const room = s.subscribe ? kept.byTopic(s.topic) : undefined
      if (room != null) void syncWith(peer, room)
    }
  }

  const tracked = new WeakSet<KeptRoom>()
  const unlisten: Array<() => void> = []
  const lastCatchUp = new Map<string, number>()
  return {
    catchUp (peer, room) {
      const key = `${peer}/${room.topic}`
      const now = Date.now()
      if (now - (lastCatchUp.get(key) ?? 0) < CATCH_UP_MS) return
      lastCatchUp.set(key, now)
      if (lastCatchUp.size > 10_000) lastCatchUp.clear()
      if (init.isPeerRelay(peer)) { void syncWith(peer, room); return }
      syncKept(peer, room).then(() => { metrics.syncSessions++ }, () => {})
    },
    async start () {
      // A served session holds the room's log (opened if it was idle, once the initiator's proof passed) until it ends.
      await sync.register(node, (topic, session) => {
        const room = kept.byTopic(topic)
        return room == null ? undefined : { auth: auth(room), open: async () => await room.lease(session) }
      }, {
        ...refused,
        onServed: (result, topic, peer) => {
          if (result == null) return
          metrics.syncSessions++
          log.debug({ peer, topic, ...result }, 'served sync')
        }
      })
      node.services.pubsub.addEventListener('subscription-change', onSubscription)
    },
    track (room) {
      if (tracked.has(room)) return
      tracked.add(room)
      // The sync sessions (served or ours) apply with the 'sync' origin (src/history/sync.ts); live updates were
      // forwarded by gossip already and are applied with none.
      // On the room, not on its log: the log is closed when idle and a reopened one is a new object.
      unlisten.push(room.onFrames((_frames, origin) => { if (origin === 'sync') pushToMembers(room) }))
    },
    roomAdded (room) {
      for (const peer of node.services.pubsub.getSubscribers(room.topic)) {
        if (init.isPeerRelay(peer.toString())) void syncWith(peer.toString(), room)
      }
    },
    stop () {
      stopped = true
      for (const p of pushing.values()) clearTimeout(p.timer)
      for (const off of unlisten) off()
      node.services.pubsub.removeEventListener('subscription-change', onSubscription)
    }
  }
}
