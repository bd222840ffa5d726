/**
 * Catch-up sync of room logs over SYNC_PROTOCOL, run by the history layer's protocol (src/history/sync.ts): this
 * module only registers the handler and opens streams to peers that share a room.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { SYNC_PROTOCOL } from '../constants.ts'
import type { RoomLog } from '../history/room-log.ts'
import type { Libp2p, Stream } from '@libp2p/interface'

type SyncModule = {
  handleSync: (stream: Stream, resolveLog: (topic: string) => RoomLog | undefined) => Promise<unknown>
  syncRoom: (stream: Stream, topic: string, log: RoomLog) => Promise<unknown>
}

export interface RoomSync {
  /** Serves SYNC_PROTOCOL for the rooms `resolveLog` knows. */
  register: (node: Libp2p, resolveLog: (topic: string) => RoomLog | undefined) => Promise<void>
  /** Syncs one room with one connected peer (both directions). */
  syncRoom: (node: Libp2p, peer: string, topic: string, log: RoomLog) => Promise<void>
}

export function roomSync (): RoomSync {
  let mod: SyncModule | undefined
  const load = async (): Promise<SyncModule> => {
    mod ??= await import('../history/sync.ts') as unknown as SyncModule
    return mod
  }
  return {
    async register (node, resolveLog) {
      let m: SyncModule
      try { m = await load() } catch { return } // TEMPORARY until src/history/sync.ts lands
      await node.handle(SYNC_PROTOCOL, async (stream) => {
        try { await m.handleSync(stream, resolveLog) } catch (err) { stream.abort(err as Error) }
      }, { runOnLimitedConnection: true })
    },
    async syncRoom (node, peer, topic, log) {
      const m = await load()
      const stream = await node.dialProtocol(peerIdFromString(peer), SYNC_PROTOCOL, { runOnLimitedConnection: true, signal: AbortSignal.timeout(60_000) })
      try { await m.syncRoom(stream, topic, log) } catch (err) { stream.abort(err as Error); throw err }
    }
  }
}
