/**
 * Device records (PROTOCOL.md "Linked devices"): statements signed by the identity about one of its devices.
 *
 *   binding    {v, a, k: 'bind', p: peer id, bx: device X25519 key, n: device name, t: time}
 *   revocation {v, a, k: 'revoke', p: peer id, t: time}
 *
 * A binding says "this libp2p peer, with this per-device box key, is a device of this user". A revocation of a peer
 * id is final: any binding of that peer id, older or newer, is ignored from then on. Both are self-certifying (CBOR
 * `[payload, Ed25519(TAG ‖ 0 ‖ payload)]`, see signed-record.ts) so any peer can check them.
 */
import { MAX_DEVICE_NAME_BYTES, MAX_DEVICE_RECORD_BYTES, MAX_PEER_ID_CHARS, PUBLIC_KEY_BYTES, TAG_DEVICE_RECORD_SIG } from '../constants.ts'
import { InvalidArgumentError, MalformedError, OversizedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import { openRecord, signRecord, timeField } from '../identity/signed-record.ts'
import { userIdFromPublicKey } from '../identity/user-id.ts'
import type { Identity } from '../identity/identity.ts'

/** Version of the device record payload. */
export const DEVICE_RECORD_VERSION = 1
/** libp2p peer ids in text: base58btc or base32 multibase, letters and digits only. */
const PEER_ID_PATTERN = /^[A-Za-z0-9]+$/u

/** A verified binding of a device to its user. */
export interface DeviceBindingRecord {
  kind: 'bind'
  userId: string
  publicKey: Uint8Array
  /** The device's libp2p peer id: its id in `devices()` and `revokeDevice()`. */
  peerId: string
  /** The device's own X25519 key: room keys and device mail for this device are boxed to it. */
  boxPublicKey: Uint8Array
  /** A name the user recognises ("laptop", "Chrome on Android"). */
  name: string
  time: number
}

/** A verified revocation of a device. */
export interface DeviceRevocationRecord {
  kind: 'revoke'
  userId: string
  publicKey: Uint8Array
  peerId: string
  time: number
}

export type DeviceRecord = DeviceBindingRecord | DeviceRevocationRecord

function checkPeerId (v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_PEER_ID_CHARS || !PEER_ID_PATTERN.test(v)) {
    throw new MalformedError('device record peer id is not a libp2p peer id')
  }
  return v
}

/** A device name: 1 to MAX_DEVICE_NAME_BYTES of UTF-8, not only spaces. */
export function checkDeviceName (v: unknown): string {
  if (typeof v !== 'string') throw new MalformedError('device name must be text')
  if (v.length > MAX_DEVICE_NAME_BYTES || utf8Length(v) > MAX_DEVICE_NAME_BYTES) throw new OversizedError(`device name exceeds ${MAX_DEVICE_NAME_BYTES} bytes`)
  if (v.trim().length === 0) throw new MalformedError('device name is empty')
  return v
}

function asArgument<T> (fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
}

/** Signs a binding of a device (peer id, per-device box key, name) to the identity. */
export async function signDeviceBinding (identity: Identity, device: { peerId: string, boxPublicKey: Uint8Array, name: string, time?: number }): Promise<Uint8Array> {
  asArgument(() => { checkPeerId(device.peerId); checkDeviceName(device.name) })
  if (!(device.boxPublicKey instanceof Uint8Array) || device.boxPublicKey.length !== PUBLIC_KEY_BYTES) throw new InvalidArgumentError(`a device box key is ${PUBLIC_KEY_BYTES} bytes`)
  return await signRecord(identity, TAG_DEVICE_RECORD_SIG, DEVICE_RECORD_VERSION, {
    k: 'bind', p: device.peerId, bx: device.boxPublicKey, n: device.name, t: device.time ?? Date.now()
  })
}

/** Signs the revocation of a device (by peer id). */
export async function signDeviceRevocation (identity: Identity, peerId: string, opts: { time?: number } = {}): Promise<Uint8Array> {
  asArgument(() => checkPeerId(peerId))
  return await signRecord(identity, TAG_DEVICE_RECORD_SIG, DEVICE_RECORD_VERSION, { k: 'revoke', p: peerId, t: opts.time ?? Date.now() })
}

/** Verifies a device record from anyone. Throws OversizedError, MalformedError or BadSignatureError. */
export async function verifyDeviceRecord (bytes: Uint8Array): Promise<DeviceRecord> {
  const { payload, publicKey } = await openRecord(bytes, TAG_DEVICE_RECORD_SIG, DEVICE_RECORD_VERSION, MAX_DEVICE_RECORD_BYTES, 'device record')
  const peerId = checkPeerId(payload.p)
  const time = timeField(payload, 't', 'device record')
  const userId = userIdFromPublicKey(publicKey)
  if (payload.k === 'revoke') return { kind: 'revoke', userId, publicKey, peerId, time }
  if (payload.k !== 'bind') throw new MalformedError('device record kind must be bind or revoke')
  const bx = payload.bx
  if (!(bx instanceof Uint8Array) || bx.length !== PUBLIC_KEY_BYTES) throw new MalformedError(`device box key must be ${PUBLIC_KEY_BYTES} bytes`)
  return { kind: 'bind', userId, publicKey, peerId, boxPublicKey: Uint8Array.from(bx), name: checkDeviceName(payload.n), time }
}
