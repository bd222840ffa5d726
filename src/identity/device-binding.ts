import { MAX_DEVICE_BINDING_BYTES, MAX_PEER_ID_CHARS, TAG_DEVICE_SIG } from '../constants.ts'
import { BadSignatureError, InvalidArgumentError, MalformedError } from '../errors.ts'
import type { Identity } from './identity.ts'
import { openRecord, signRecord, timeField } from './signed-record.ts'
import { userIdFromPublicKey } from './user-id.ts'

/** Version of the device binding payload. */
export const DEVICE_BINDING_VERSION = 1
/** libp2p peer ids are base58btc (12D3Koo…, Qm…) or multibase base32 CIDs (b…): letters and digits only. */
const PEER_ID_PATTERN = /^[A-Za-z0-9]+$/u

/** "This libp2p peer id is a device of this user", signed by the user. */
export interface DeviceBinding {
  userId: string
  publicKey: Uint8Array
  peerId: string
  /** When the user signed it (ms). */
  time: number
}

function checkPeerId (peerId: unknown): string {
  if (typeof peerId !== 'string' || peerId.length === 0 || peerId.length > MAX_PEER_ID_CHARS || !PEER_ID_PATTERN.test(peerId)) {
    throw new MalformedError('device binding peer id is not a libp2p peer id')
  }
  return peerId
}

/**
 * Signs a binding of `peerId` (this device's libp2p peer id, as text) to the identity:
 * CBOR [payload {v, a, p: peerId, t: time}, Ed25519(TAG_DEVICE_SIG ‖ 0 ‖ payload)].
 */
export async function createDeviceBinding (identity: Identity, peerId: string, opts: { time?: number } = {}): Promise<Uint8Array> {
  try {
    checkPeerId(peerId)
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message)
  }
  return await signRecord(identity, TAG_DEVICE_SIG, DEVICE_BINDING_VERSION, { p: peerId, t: opts.time ?? Date.now() })
}

/**
 * Verifies a device binding from anyone. With `expectedPeerId` (the peer that sent it), a binding naming
 * another peer is refused: it is someone else's binding replayed. Throws OversizedError, MalformedError or
 * BadSignatureError.
 */
export async function verifyDeviceBinding (bytes: Uint8Array, opts: { expectedPeerId?: string } = {}): Promise<DeviceBinding> {
  const { payload, publicKey } = await openRecord(bytes, TAG_DEVICE_SIG, DEVICE_BINDING_VERSION, MAX_DEVICE_BINDING_BYTES, 'device binding')
  const peerId = checkPeerId(payload.p)
  if (opts.expectedPeerId !== undefined && opts.expectedPeerId !== peerId) {
    throw new BadSignatureError('device binding is for another peer id (replayed)')
  }
  return { userId: userIdFromPublicKey(publicKey), publicKey, peerId, time: timeField(payload, 't', 'device binding') }
}
