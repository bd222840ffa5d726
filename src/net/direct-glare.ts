/**
 * Glare: two members dial each other over WebRTC at the same moment (both upgraders, or one upgrader and a media fetch
 * that asks for the upgrade now), and each end ends up with two direct connections to the other. Both ends keep the
 * same one without exchanging a message: the connection dialled by the smaller peer id (outbound at that peer,
 * inbound at the other). The other one is closed by both ends (see DirectUpgrader), and whoever picks a connection
 * to use (the media fetch) picks the kept one when both are still open.
 */
import type { Connection } from '@libp2p/interface'

/** True for a WebRTC connection (`/webrtc` in its address; not `/webrtc-direct`). */
export function isWebRTCConnection (conn: Connection): boolean {
  return conn.remoteAddr.getComponents().some(c => c.name === 'webrtc')
}

/**
 * True for a connection whose bytes do not go through a relay (TCP, WebSockets, or WebRTC, whose bytes go peer to peer
 * even when its address names the relay that carried the signalling).
 */
export function isUnlimited (conn: Connection): boolean {
  if (conn.limits != null) return false
  return isWebRTCConnection(conn) || !conn.remoteAddr.getComponents().some(c => c.name === 'p2p-circuit')
}

/** `isUnlimited`, and open. */
export function isOpenUnlimited (conn: Connection): boolean {
  return conn.status === 'open' && isUnlimited(conn)
}

/**
 * Of several WebRTC connections between `localPeer` and `remotePeer`, the one both ends keep: dialled by the smaller
 * peer id, the oldest of those if there are several; when none was dialled that way, the oldest. Undefined for none.
 */
export function glareKeeper (localPeer: string, remotePeer: string, conns: readonly Connection[]): Connection | undefined {
  const kept = localPeer < remotePeer ? 'outbound' : 'inbound'
  const byAge = [...conns].sort((a, b) => a.timeline.open - b.timeline.open)
  return byAge.find(c => c.direction === kept) ?? byAge[0]
}

/**
 * The connection to use for a transfer among `conns` (all to `remotePeer`): an open unlimited one that is not WebRTC
 * first (LAN TCP, WebSockets), else the WebRTC one glare resolution keeps. Undefined when none is open and unlimited.
 */
export function preferredDirect (localPeer: string, remotePeer: string, conns: readonly Connection[]): Connection | undefined {
  const open = conns.filter(isOpenUnlimited)
  return open.find(c => !isWebRTCConnection(c)) ?? glareKeeper(localPeer, remotePeer, open.filter(isWebRTCConnection))
}
