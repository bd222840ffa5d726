/**
 * Catch-up sync of room logs over SYNC_PROTOCOL, run by the history layer's protocol (src/history/sync.ts): this
 * module registers the responder and opens streams to peers that share a room. The session's peer ids, which the
 * membership proofs bind (src/chat/sync-auth.ts), are taken from the libp2p connection.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { SYNC_PROTOCOL } from '../constants.ts'
import { handleSync, syncRoom } from '../history/sync.ts'
import type { RoomLog } from '../history/room-log.ts'
import type { SyncAuth, SyncRefusal, SyncResult, SyncTarget } from '../history/sync.ts'
import type { Libp2p } from '@libp2p/interface'

/** Longest a whole sync session may take (the protocol has its own idle timeout). */
const SYNC_SESSION_TIMEOUT_MS = 120_000

export interface RoomSyncHandlers {
  /** Called when a served session ends (result undefined: it failed, was refused, or the room is unknown). */
  onServed?: (result: SyncResult | undefined, topic: string | undefined, peer: string) => void
  /** Called when we refuse a peer's session (served or ours) for its proof or version. */
  onRefused?: (reason: SyncRefusal, topic: string, peer: string) => void
}

export interface RoomSync {
  /**
   * Serves SYNC_PROTOCOL for the rooms `resolve` knows: how to check the initiator's proof, and the room's log (opened
   * only once the proof passed; it may be a promise). `session` settles when the session ends, so a resolver that
   * opens logs on demand knows how long the log is in use.
   */
  register: (node: Libp2p, resolve: (topic: string, session: Promise<void>) => SyncTarget | undefined, handlers?: RoomSyncHandlers) => Promise<void>
  /** Syncs one room with one connected peer (both directions), proving and checking membership with `auth`. */
  syncRoom: (node: Libp2p, peer: string, topic: string, log: RoomLog, auth: SyncAuth, handlers?: RoomSyncHandlers) => Promise<SyncResult>
}

/** Sync glue between libp2p streams and the history layer's sync protocol. */
export function roomSync (): RoomSync {
  return {
    async register (node, resolve, handlers) {
      await node.handle(SYNC_PROTOCOL, async (stream, connection) => {
        const peer = connection.remotePeer.toString()
        let topic: string | undefined
        let ended = (): void => {}
        const session = new Promise<void>(resolve => { ended = resolve })
        try {
          const result = await handleSync(stream, { initiator: peer, responder: node.peerId.toString() }, (t) => { topic = t; return resolve(t, session) }, {
            signal: AbortSignal.timeout(SYNC_SESSION_TIMEOUT_MS),
            onRefused: (reason, t) => { handlers?.onRefused?.(reason, t, peer) }
          })
          handlers?.onServed?.(result, topic, peer)
        } finally {
          ended()
        }
      }, { runOnLimitedConnection: true })
    },
    async syncRoom (node, peer, topic, log, auth, handlers) {
      const signal = AbortSignal.timeout(SYNC_SESSION_TIMEOUT_MS)
      const stream = await node.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { runOnLimitedConnection: true, signal })
      const session = { topic, initiator: node.peerId.toString(), responder: peer }
      return await syncRoom(stream, session, log, auth, { signal, onRefused: (reason, t) => { handlers?.onRefused?.(reason, t, peer) } })
    }
  }
}
