/**
 * Which path each member peer is on: on the LAN, direct (peer to peer over WebRTC or a public address), or only
 * through a relay. Built from the live libp2p connections and the direct upgrader's state.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { describeConnection } from './connection-info.ts'
import type { PeerPath } from './types.ts'
import type { DirectUpgrader } from '../net/direct-upgrader.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

/** Most peers remembered with the users seen publishing from them. */
const MAX_PEERS = 4_096
/** Most users remembered per peer (a device speaks for one user; a few more covers shared test setups). */
const MAX_USERS_PER_PEER = 8

/** True for loopback, private (RFC 1918), link-local and unique-local addresses. */
export function isPrivateAddress (ip: string): boolean {
  if (/^(127\.|10\.|192\.168\.|169\.254\.)/.test(ip)) return true
  const m = /^172\.(\d+)\./.exec(ip)
  if (m != null && Number(m[1]) >= 16 && Number(m[1]) <= 31) return true
  const v6 = ip.toLowerCase()
  return v6 === '::1' || v6.startsWith('fe80:') || v6.startsWith('fc') || v6.startsWith('fd')
}

/** Path class of one connection: relayed, a LAN address, or direct. */
export function connectionPath (conn: Connection): 'lan' | 'direct' | 'relay' {
  const info = describeConnection(conn, () => false)
  if (conn.limits != null || info.path === 'relayed') return 'relay'
  if (info.transport === 'webrtc') return 'direct'
  const ip = conn.remoteAddr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
  return ip != null && isPrivateAddress(ip) ? 'lan' : 'direct'
}

const RANK = { lan: 3, direct: 2, relay: 1 } as const

/** Remembers which users publish from which peer, and describes each member peer's path. */
export class PeerDirectory {
  readonly #users = new Map<string, Set<string>>()

  /** A valid room frame of `userId` was published by `peerId`. Returns true when the peer is new. */
  note (peerId: string, userId: string): boolean {
    let set = this.#users.get(peerId)
    const fresh = set == null
    if (set == null) {
      if (this.#users.size >= MAX_PEERS) {
        const oldest = this.#users.keys().next().value
        if (oldest != null) this.#users.delete(oldest)
      }
      set = new Set()
      this.#users.set(peerId, set)
    }
    if (!set.has(userId) && set.size < MAX_USERS_PER_PEER) set.add(userId)
    return fresh
  }

  /** Peer ids of the devices a user was seen on. */
  peersOf (userId: string): string[] {
    return [...this.#users].filter(([, users]) => users.has(userId)).map(([peer]) => peer)
  }

  /** Paths of every known member peer and every connected non-relay peer. */
  paths (node: Libp2p, isRelay: (peerId: string) => boolean, upgrader?: DirectUpgrader): PeerPath[] {
    const ids = new Set(this.#users.keys())
    for (const c of node.getConnections()) ids.add(c.remotePeer.toString())
    const out: PeerPath[] = []
    for (const id of ids) {
      if (isRelay(id) || id === node.peerId.toString()) continue
      out.push(this.path(node, id, upgrader))
    }
    return out
  }

  /** Path of one peer (`none` when not connected at all). */
  path (node: Libp2p, peerId: string, upgrader?: DirectUpgrader): PeerPath {
    let conns: Connection[] = []
    try { conns = node.getConnections(peerIdFromString(peerId)) } catch { /* not a peer id */ }
    let best: { path: 'lan' | 'direct' | 'relay', conn: Connection } | undefined
    for (const conn of conns) {
      const path = connectionPath(conn)
      if (best == null || RANK[path] > RANK[best.path]) best = { path, conn }
    }
    const p: PeerPath = { peerId, userIds: [...(this.#users.get(peerId) ?? [])], path: best?.path ?? 'none' }
    if (best != null) p.transport = describeConnection(best.conn, () => false).transport
    const upgrade = upgrader?.state(peerId)
    if (upgrade != null) p.upgrade = upgrade
    const error = upgrade === 'failed' ? upgrader?.lastError(peerId) : undefined
    if (error != null) p.error = error
    return p
  }
}
