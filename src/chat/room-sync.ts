/**
 * Catch-up sync of room logs over SYNC_PROTOCOL, run by the history layer's protocol (src/history/sync.ts): this
 * module registers the responder and opens streams to peers that share a room.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { SYNC_PROTOCOL } from '../constants.ts'
import { handleSync, syncRoom } from '../history/sync.ts'
import type { RoomLog } from '../history/room-log.ts'
import type { SyncResult } from '../history/sync.ts'
import type { Libp2p } from '@libp2p/interface'

/** Longest a whole sync session may take (the protocol has its own idle timeout). */
const SYNC_SESSION_TIMEOUT_MS = 120_000

export interface RoomSync {
  /**
   * Serves SYNC_PROTOCOL for the rooms `resolveLog` knows. It may return a promise (a log opened on demand); `session`
   * settles when the session ends, so a resolver that opens logs on demand knows how long the log is in use.
   */
  register: (node: Libp2p, resolveLog: (topic: string, session: Promise<void>) => RoomLog | undefined | Promise<RoomLog | undefined>, onServed?: (result: SyncResult | undefined, topic: string | undefined, peer: string) => void) => Promise<void>
  /** Syncs one room with one connected peer (both directions). */
  syncRoom: (node: Libp2p, peer: string, topic: string, log: RoomLog) => Promise<SyncResult>
}

/** Sync glue between libp2p streams and the history layer's sync protocol. */
export function roomSync (): RoomSync {
  return {
    async register (node, resolveLog, onServed) {
      await node.handle(SYNC_PROTOCOL, async (stream, connection) => {
        let topic: string | undefined
        let ended = (): void => {}
        const session = new Promise<void>(resolve => { ended = resolve })
        try {
          const result = await handleSync(stream, (t) => { topic = t; return resolveLog(t, session) }, { signal: AbortSignal.timeout(SYNC_SESSION_TIMEOUT_MS) })
          onServed?.(result, topic, connection.remotePeer.toString())
        } finally {
          ended()
        }
      }, { runOnLimitedConnection: true })
    },
    async syncRoom (node, peer, topic, log) {
      const signal = AbortSignal.timeout(SYNC_SESSION_TIMEOUT_MS)
      const stream = await node.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { runOnLimitedConnection: true, signal })
      return await syncRoom(stream, topic, log, { signal })
    }
  }
}
