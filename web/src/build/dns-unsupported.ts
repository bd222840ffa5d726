/**
 * Browser build stand-in for `@multiformats/dns` (aliased in web/vite.config.ts). libp2p uses it only to resolve
 * `/dnsaddr/` addresses (DNS TXT lookups over HTTPS to public resolvers). ChatSphere relays announce `/dns/`,
 * `/ip4/` or `/ip6/` WebSocket addresses, which the browser resolves itself when it opens the socket, and the web
 * client may not reach public DNS-over-HTTPS servers anyway (the relay's CSP limits connect-src). A `/dnsaddr/`
 * address therefore fails to dial with this error instead of querying a third party.
 */
export const RecordType = { A: 1, CNAME: 5, TXT: 16, AAAA: 28 } as const

export class DNSUnsupportedError extends Error {
  constructor () {
    super('DNS lookups (/dnsaddr/ addresses) are not supported by the ChatSphere web client')
    this.name = 'DNSUnsupportedError'
  }
}

/** Same shape as `@multiformats/dns`'s `dns()`; every query fails. */
export function dns (): { query: (name: string) => Promise<never> } {
  return {
    query: async () => { throw new DNSUnsupportedError() }
  }
}
