/**
 * The devices of one user, folded from device records (bindings and revocations) in any order: the newest binding
 * of a peer id wins, and a revocation of a peer id is final whatever the times say (a binding cannot resurrect it).
 */
import { MAX_LINKED_DEVICES } from '../constants.ts'
import { bytesEqual } from '../crypto/encoding.ts'
import type { DeviceBindingRecord, DeviceRecord } from './device-record.ts'

/** Peer ids tracked at most (bindings and revocations); beyond it records are ignored (counted by the caller). */
const MAX_TRACKED = MAX_LINKED_DEVICES * 4

/** One device as `chat.devices()` shows it. */
export interface DeviceInfo {
  /** The device's libp2p peer id (what `revokeDevice` takes). */
  id: string
  name: string
  /** When its binding was signed (ms). */
  addedAt: number
  /** True for the device this chat runs on. */
  current: boolean
  revoked: boolean
  /** When it was revoked (ms), for revoked devices. */
  revokedAt?: number
}

interface Entry {
  binding?: DeviceBindingRecord
  /** The raw signed bytes of the binding and the revocation, to hand on to a newly linked device. */
  bindingBytes?: Uint8Array
  revokedAt?: number
  revocationBytes?: Uint8Array
}

export class DeviceRegistry {
  readonly #entries = new Map<string, Entry>()

  /** Adds a verified record of this user; returns true when the device list changed. */
  add (record: DeviceRecord, bytes: Uint8Array): boolean {
    let e = this.#entries.get(record.peerId)
    if (e == null) {
      if (this.#entries.size >= MAX_TRACKED) return false
      e = {}
      this.#entries.set(record.peerId, e)
    }
    if (record.kind === 'revoke') {
      if (e.revokedAt != null && e.revokedAt <= record.time) return false
      e.revokedAt = record.time
      e.revocationBytes = bytes
      return true
    }
    if (e.binding != null && e.binding.time >= record.time) return false
    if (e.binding == null && this.active().length >= MAX_LINKED_DEVICES && e.revokedAt == null) return false
    e.binding = record
    e.bindingBytes = bytes
    return e.revokedAt == null
  }

  isRevoked (peerId: string): boolean {
    return this.#entries.get(peerId)?.revokedAt != null
  }

  binding (peerId: string): DeviceBindingRecord | undefined {
    return this.#entries.get(peerId)?.binding
  }

  /** The signed bytes of a device's binding (to post it where others need it). */
  bindingBytes (peerId: string): Uint8Array | undefined {
    return this.#entries.get(peerId)?.bindingBytes
  }

  /** Bindings of devices that are not revoked. */
  active (): DeviceBindingRecord[] {
    const out: DeviceBindingRecord[] = []
    for (const e of this.#entries.values()) if (e.binding != null && e.revokedAt == null) out.push(e.binding)
    return out
  }

  /** The active device whose box key is `key`, if any. */
  activeByBoxKey (key: Uint8Array): DeviceBindingRecord | undefined {
    return this.active().find(b => bytesEqual(b.boxPublicKey, key))
  }

  /** Every device with a binding, oldest first. */
  list (currentPeerId: string | undefined): DeviceInfo[] {
    const out: DeviceInfo[] = []
    for (const [id, e] of this.#entries) {
      if (e.binding == null) continue
      const info: DeviceInfo = { id, name: e.binding.name, addedAt: e.binding.time, current: id === currentPeerId, revoked: e.revokedAt != null }
      if (e.revokedAt != null) info.revokedAt = e.revokedAt
      out.push(info)
    }
    return out.sort((a, b) => a.addedAt - b.addedAt)
  }

  /** Raw signed records (bindings and revocations), for a device being linked. */
  records (): Uint8Array[] {
    const out: Uint8Array[] = []
    for (const e of this.#entries.values()) {
      if (e.bindingBytes != null) out.push(e.bindingBytes)
      if (e.revocationBytes != null) out.push(e.revocationBytes)
    }
    return out
  }
}
