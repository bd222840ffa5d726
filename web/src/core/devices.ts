/**
 * The web app's view of the core's linked devices (src/devices): this identity's devices, a link offer to show on a
 * new device, linking the device whose code was entered here, revoking one.
 */
import type { Chat, DeviceInfo } from '../../../src/chat/types.ts'
import type { LinkedIdentity } from '../../../src/devices/types.ts'
import { linkCodeUrl } from '../../../src/devices/link-code.ts'

export type Device = DeviceInfo
export type { LinkedIdentity }

/** A link offer shown on this (new) device. */
export interface LinkOffer {
  /** The code to type or paste on the other device. */
  code: string
  /** The same code as a link into this app, for the QR code (a phone camera opens the app with it). */
  url: string
  expires: number
  done: Promise<LinkedIdentity>
  cancel: () => Promise<void>
}

export interface DevicesBackend {
  list: () => Device[]
  /** Shows that this browser wants to be linked to another device's identity. */
  createOffer: () => Promise<LinkOffer>
  /** Links the device whose code (or code link) was entered here. */
  link: (code: string) => Promise<Device>
  /** Revokes another device; resolves to the number of rooms it can still read (no right to change their key). */
  revoke: (id: string) => Promise<{ stillReadable: number }>
}

export class DevicesAdapter implements DevicesBackend {
  readonly #chat: Chat
  readonly #changed: () => void

  constructor (chat: Chat, changed: () => void) {
    this.#chat = chat
    this.#changed = changed
    chat.addEventListener('devices', () => { this.#changed() })
  }

  list (): Device[] { return this.#chat.devices() }

  async createOffer (): Promise<LinkOffer> {
    const offer = await this.#chat.createLinkOffer()
    return { code: offer.code, url: linkCodeUrl(location.origin, offer.code), expires: offer.expires, done: offer.done, cancel: offer.cancel }
  }

  async link (code: string): Promise<Device> {
    const d = await this.#chat.linkDevice(code)
    this.#changed()
    return d
  }

  async revoke (id: string): Promise<{ stillReadable: number }> {
    const res = await this.#chat.revokeDevice(id)
    this.#changed()
    return { stillReadable: res.notRotated.length }
  }
}

/** A name for this browser in the device list, e.g. "Chrome on Android" (only the browser family and platform). */
export function browserDeviceName (ua = navigator.userAgent): string {
  const browser = /Edg\//u.test(ua) ? 'Edge' : /Firefox\//u.test(ua) ? 'Firefox' : /Chrom(e|ium)\//u.test(ua) ? 'Chrome' : /Safari\//u.test(ua) ? 'Safari' : 'Browser'
  const os = /Android/u.test(ua) ? 'Android' : /iPhone|iPad/u.test(ua) ? 'iOS' : /Mac OS X/u.test(ua) ? 'macOS' : /Windows/u.test(ua) ? 'Windows' : /Linux/u.test(ua) ? 'Linux' : ''
  return os === '' ? browser : `${browser} on ${os}`
}
