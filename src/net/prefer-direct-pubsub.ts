/**
 * Moves gossipsub's stream to a peer onto a direct connection once one exists.
 *
 * Members of a room first reach each other over a relayed (circuit, limited) connection, and gossipsub opens its one
 * outbound stream per peer on the first connection it is told about; when the WebRTC connection (DirectUpgrader)
 * opens later, gossipsub keeps writing to the relayed stream ("if an outbound stream already exists, don't create a
 * new stream"), so every message still takes the relay hop (P8: the direct connection carried no message at all).
 * Here, when identify completes on a direct connection to a peer whose gossipsub stream runs over a limited one,
 * that stream is closed and gossipsub is asked to open a new one on the direct connection (the remote side takes a
 * new inbound stream as the canonical one). If the direct connection closes while a limited one is still open, the
 * stream is opened on the limited one again. While the stream moves (a few ms) a publish skips that peer; the relay,
 * a gossipsub peer of both, still forwards it.
 *
 * Reaches into gossipsub's implementation (the public `streamsOutbound` and `peers` maps, the private
 * `onPeerConnected` topology callback, `OutboundStream.rawStream`): if a future version renames them, install
 * returns false and gossipsub behaves as before (tests/unit/net/prefer-direct-pubsub.test.ts fails to say so).
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'

interface GossipsubInternals {
  streamsOutbound: Map<string, { rawStream: Stream, close: () => Promise<void> }>
  peers: Map<string, PeerId>
  onPeerConnected: (peerId: PeerId, connection: Connection) => void
}

const isLimited = (conn: Connection): boolean => conn.limits != null

/**
 * Installs the listeners on `node` for its gossipsub `pubsub`. Returns false (and installs nothing) when gossipsub
 * does not have the internals this relies on; returns a function that removes the listeners otherwise.
 */
export function preferDirectPubsub (node: Libp2p, pubsub: GossipSub): false | (() => void) {
  const gs = pubsub as unknown as Partial<GossipsubInternals>
  if (!(gs.streamsOutbound instanceof Map) || !(gs.peers instanceof Map) || typeof gs.onPeerConnected !== 'function') return false
  const internals = gs as GossipsubInternals

  /** The connection of `peer` that carries gossipsub's outbound stream, if any. */
  const carrier = (peer: PeerId, raw: Stream): Connection | undefined => node.getConnections(peer).find((c) => c.streams.includes(raw))

  const openOn = (peer: PeerId, conn: Connection): void => {
    if (conn.status !== 'open' || !internals.peers.has(peer.toString())) return
    internals.onPeerConnected.call(pubsub, peer, conn)
  }

  /** Moves the peer's outbound stream from a limited connection to `direct` (or to any open direct connection). */
  const move = (peerId: PeerId, direct?: Connection): void => {
    const id = peerId.toString()
    const outbound = internals.streamsOutbound.get(id)
    if (outbound === undefined) return
    const current = carrier(peerId, outbound.rawStream)
    if (current === undefined || !isLimited(current)) return
    const target = direct ?? node.getConnections(peerId).find((c) => !isLimited(c) && c.status === 'open')
    if (target === undefined) return
    // Forgotten here, not when it has closed: a half-closed stream closes fully only once the remote closes its end.
    // Gossipsub's own close listener then finds another stream in the map and leaves it alone.
    internals.streamsOutbound.delete(id)
    // A graceful close (FIN once pending data is written): the remote's read of it ends normally. A reset would make
    // the remote's gossipsub drop this peer altogether.
    void outbound.close().catch(() => {})
    openOn(peerId, target)
  }

  const onIdentify = (evt: CustomEvent<{ peerId: PeerId, connection: Connection }>): void => {
    const { peerId, connection } = evt.detail
    if (!isLimited(connection) && connection.status === 'open') move(peerId, connection)
  }

  // Gossipsub may open its stream on the relayed connection after the direct one was identified (its stream
  // creation is queued): each heartbeat moves any stream still on a limited connection when a direct one exists.
  const onHeartbeat = (): void => {
    for (const peerId of internals.peers.values()) move(peerId)
  }

  const onClose = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    if (isLimited(conn)) return
    const peer = conn.remotePeer
    const id = peer.toString()
    // After gossipsub's own close listener has run for the stream that was on this connection.
    setTimeout(() => {
      const entry = internals.streamsOutbound.get(id)
      if (entry !== undefined && entry.rawStream.status === 'open') return
      // Another direct connection first (the one kept when a duplicate of a simultaneous dial closed), else any.
      const open = node.getConnections(peer).filter((c) => c.status === 'open')
      const fallback = open.find((c) => !isLimited(c)) ?? open[0]
      if (fallback === undefined) return
      if (entry !== undefined) internals.streamsOutbound.delete(id)
      openOn(peer, fallback)
    }, 0)
  }

  node.addEventListener('peer:identify', onIdentify)
  node.addEventListener('connection:close', onClose)
  pubsub.addEventListener('gossipsub:heartbeat', onHeartbeat)
  return () => {
    node.removeEventListener('peer:identify', onIdentify)
    node.removeEventListener('connection:close', onClose)
    pubsub.removeEventListener('gossipsub:heartbeat', onHeartbeat)
  }
}
