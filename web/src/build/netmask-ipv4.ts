/**
 * Browser build stand-in for the `netmask` package (aliased in web/vite.config.ts). In the web client only
 * @libp2p/utils' private-address check uses it, with IPv4 ranges and IPv4 addresses (IPv6 addresses are checked
 * there without netmask). This keeps netmask's own IPv4 code and leaves out its IPv6 half (about 1.6 kB gzip);
 * an IPv6 range throws instead of being misread. tests/unit/web/build-stand-ins.test.ts compares it with netmask.
 */
import { Netmask4Impl } from 'netmask/dist/netmask4.js'

export class Netmask {
  readonly #impl: Netmask4Impl

  constructor (net: string, mask?: string | number) {
    if (typeof net !== 'string') throw new Error("Missing `net' parameter")
    const address = net.includes('/') ? net.slice(0, net.indexOf('/')) : net
    if (address.includes(':')) throw new Error('IPv6 ranges are not in the ChatSphere web build')
    this.#impl = new Netmask4Impl(net, mask)
  }

  /** Whether the IPv4 address (or IPv4 range) is inside this range; throws on an invalid address, like netmask. */
  contains (ip: string): boolean {
    return this.#impl.contains(ip)
  }
}
