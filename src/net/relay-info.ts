/**
 * The relay's JSON info document (RELAY_INFO_PATH, PROTOCOL.md § Relay info): how a peer that knows only a relay's
 * web address (a browser that opened the relay's page, or `--relay http://host:8470`) finds its peer id and multiaddrs.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_RELAY_INFO_ADDRS, MAX_RELAY_INFO_BYTES, RELAY_INFO_PATH, RELAY_INFO_TIMEOUT_MS, RELAY_INFO_VERSION } from '../constants.ts'
import { InvalidArgumentError, MalformedError, OversizedError, TimeoutError } from '../errors.ts'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The info document a relay serves. */
export interface RelayInfo {
  version: number
  /** The relay's libp2p peer id. */
  peerId: string
  /** Dialable multiaddrs, each ending in `/p2p/<peerId>`: WebSockets on the HTTP port first, then TCP. */
  multiaddrs: string[]
  /** Software name and version, informative. */
  software?: string
  /** Protocol ids the relay speaks beyond libp2p's own. */
  protocols?: string[]
}

/** Parses and bounds an info document; throws MalformedError or OversizedError. */
export function parseRelayInfo (text: string): RelayInfo {
  if (text.length > MAX_RELAY_INFO_BYTES) throw new OversizedError('relay info document too large')
  let doc: unknown
  try { doc = JSON.parse(text) } catch (err) { throw new MalformedError('relay info is not JSON', { cause: err }) }
  if (typeof doc !== 'object' || doc == null) throw new MalformedError('relay info is not an object')
  const d = doc as Record<string, unknown>
  if (d.version !== RELAY_INFO_VERSION) throw new MalformedError(`unsupported relay info version ${String(d.version)}`)
  if (typeof d.peerId !== 'string' || d.peerId.length === 0 || d.peerId.length > 128) throw new MalformedError('relay info has no peer id')
  if (!Array.isArray(d.multiaddrs)) throw new MalformedError('relay info has no multiaddrs')
  const multiaddrs = d.multiaddrs.filter((a): a is string => typeof a === 'string' && a.length < 512).slice(0, MAX_RELAY_INFO_ADDRS)
  const info: RelayInfo = { version: d.version, peerId: d.peerId, multiaddrs }
  if (typeof d.software === 'string') info.software = d.software.slice(0, 64)
  if (Array.isArray(d.protocols)) info.protocols = d.protocols.filter((p): p is string => typeof p === 'string').slice(0, 16)
  return info
}

/** The URL of a relay's info document, given the relay's web address. */
export function relayInfoUrl (webAddress: string): string {
  const url = new URL(webAddress)
  return new URL(RELAY_INFO_PATH, url.origin).toString()
}

/** Fetches a relay's info document from its web address (http or https), bounded in size and time. */
export async function fetchRelayInfo (webAddress: string, options: { signal?: AbortSignal, timeoutMs?: number } = {}): Promise<RelayInfo> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? RELAY_INFO_TIMEOUT_MS)
  const signal = options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
  let res: Response
  try {
    res = await fetch(relayInfoUrl(webAddress), { signal, headers: { accept: 'application/json' } })
  } catch (err) {
    if (timeout.aborted) throw new TimeoutError(`relay ${webAddress} did not answer in time`, { cause: err })
    throw err
  }
  if (!res.ok) throw new MalformedError(`relay ${webAddress} answered ${res.status} for its info document`)
  const declared = Number(res.headers.get('content-length') ?? '0')
  if (declared > MAX_RELAY_INFO_BYTES) throw new OversizedError('relay info document too large')
  return parseRelayInfo(await res.text())
}

/** True when the text names a relay by web address (its info document gives the multiaddrs). */
export function isWebAddress (text: string): boolean {
  return /^https?:\/\//i.test(text)
}

/** Parses a multiaddr given by a user, which must name the peer (`/p2p/<id>`). */
export function parseRelayMultiaddr (text: string): Multiaddr {
  let ma: Multiaddr
  try { ma = multiaddr(text) } catch (err) { throw new InvalidArgumentError(`not a relay address: ${text}`, { cause: err }) }
  if (ma.getComponents().find(c => c.name === 'p2p') == null) throw new InvalidArgumentError(`relay multiaddr must end in /p2p/<peer id>: ${text}`)
  return ma
}

/** Multiaddrs of a relay from its info document, WebSockets first; keeps only those this platform can dial. */
export function relayInfoAddrs (info: RelayInfo, dialable: (ma: Multiaddr) => boolean = () => true): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const text of info.multiaddrs) {
    try {
      const ma = multiaddr(text)
      const p2p = ma.getComponents().find(c => c.name === 'p2p')
      if (p2p?.value !== info.peerId) continue
      if (dialable(ma)) out.push(ma)
    } catch { /* skip what does not parse */ }
  }
  return out
}
