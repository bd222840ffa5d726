import type { ConnectionInfo } from './types.ts'
import type { Connection } from '@libp2p/interface'

/**
 * Describes a libp2p connection for the API (path and transport), without leaking libp2p objects. A WebRTC connection
 * is `direct` even when its address names the relay that carried its signalling (`.../p2p-circuit/webrtc/p2p/<id>`
 * on the dialling side): its bytes go peer to peer. A connection with relay limits is always `relayed`.
 */
export function describeConnection (conn: Connection, isRelay: (peerId: string) => boolean): ConnectionInfo {
  const addr = conn.remoteAddr.toString()
  const relayed = addr.includes('/p2p-circuit')
  let transport = 'other'
  if (addr.includes('/webrtc')) transport = 'webrtc'
  else if (addr.includes('/tls/ws') || addr.includes('/wss')) transport = 'wss'
  else if (addr.includes('/ws')) transport = 'ws'
  else if (addr.includes('/tcp/')) transport = 'tcp'
  const peerId = conn.remotePeer.toString()
  const limited = conn.limits != null
  return { peerId, path: limited || (relayed && transport !== 'webrtc') ? 'relayed' : 'direct', transport, relay: isRelay(peerId), remoteAddr: addr }
}
