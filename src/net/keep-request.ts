/**
 * Keep requests (`KEEP_PROTOCOL`, PROTOCOL.md § Keep requests): a room member asks a relay to keep a room's encrypted
 * log and forward its topics. The request is signed by the room write key, so the relay learns the room id, topics and
 * write public key (enough to verify frames) but never the room key, and nobody without the room secret can make a
 * relay keep (or stop keeping) a room.
 */
import { sign, verify } from '#ed25519'
import {
  EPHEMERAL_TOPIC_PREFIX, KEEP_REQUEST_MAX_AGE_MS, MAX_KEEP_REQUEST_BYTES, MAX_KEEP_RESPONSE_BYTES, PUBLIC_KEY_BYTES,
  ROOM_ID_BYTES, SIGNATURE_BYTES, TAG_KEEP_REQUEST, TOPIC_PREFIX, MAX_PEER_ID_CHARS, MESSAGE_ID_BYTES
} from '../constants.ts'
import { concatBytes, utf8Encode } from '../crypto/encoding.ts'
import { decodeCbor, encodeCbor, isMap } from '../envelope/codec.ts'
import { BadSignatureError, MalformedError } from '../errors.ts'

/** Version of the keep request format. */
export const KEEP_REQUEST_VERSION = 1
/** Longest topic string accepted in a keep request (prefix + base32 of a 20-byte hash, with room to spare). */
const MAX_TOPIC_CHARS = 128

/** What a request asks: `keep` (start or refresh keeping) or `status` (only report what the relay holds). */
export type KeepOp = 'keep' | 'status'

/** The signed fields of a keep request. */
export interface KeepRequestFields {
  op: KeepOp
  /** Room topic (stored messages). */
  topic: string
  /** Ephemeral topic of the room (presence, typing, read markers: forwarded, never stored). */
  ephemeralTopic: string
  /** 32-byte room id (frames' write signatures bind it). */
  roomId: Uint8Array
  /** 32-byte room write public key. */
  writePublicKey: Uint8Array
  /** The relay's peer id: a request for one relay cannot be replayed to another. */
  relay: string
  /** Sender's clock, ms: a request older than KEEP_REQUEST_MAX_AGE_MS is refused. */
  time: number
  /** Message ids (16 bytes each, at most MAX_KEEP_IDS) the sender wants to know whether the relay holds. */
  ids?: Uint8Array[]
}

/** A keep request with its room write signature. */
export interface KeepRequest extends KeepRequestFields {
  signature: Uint8Array
}

/** A relay's answer. `stateVector` is the Yjs state vector of its copy of the room's log (delivery state). */
export interface KeepResponse {
  ok: boolean
  /** Why the relay refused: `bad-request`, `bad-signature`, `wrong-relay`, `stale`, `quota`, `conflict`, `not-kept`, `error`. */
  error?: string
  stateVector?: Uint8Array
  /** One bit per requested id (bit i of byte i>>3, LSB first): 1 = the relay holds that message. */
  held?: Uint8Array
}

/** Most message ids one request may ask about. */
export const MAX_KEEP_IDS = 64

function signedBytes (f: KeepRequestFields): Uint8Array {
  const body = encodeCbor({ v: KEEP_REQUEST_VERSION, op: f.op, topic: f.topic, eph: f.ephemeralTopic, room: f.roomId, wk: f.writePublicKey, relay: f.relay, ts: f.time, ids: f.ids })
  return concatBytes(utf8Encode(TAG_KEEP_REQUEST), Uint8Array.of(0), body)
}

/** Signs a keep request with the room write seed. */
export async function signKeepRequest (fields: KeepRequestFields, writeSeed: Uint8Array): Promise<KeepRequest> {
  return { ...fields, signature: await sign(writeSeed, signedBytes(fields)) }
}

/** Encodes a signed keep request (canonical CBOR). */
export function encodeKeepRequest (r: KeepRequest): Uint8Array {
  return encodeCbor({ v: KEEP_REQUEST_VERSION, op: r.op, topic: r.topic, eph: r.ephemeralTopic, room: r.roomId, wk: r.writePublicKey, relay: r.relay, ts: r.time, ids: r.ids, sig: r.signature })
}

function bytesField (m: Record<string, unknown>, key: string, length: number): Uint8Array {
  const v = m[key]
  if (!(v instanceof Uint8Array) || v.length !== length) throw new MalformedError(`keep request field ${key} must be ${length} bytes`)
  return v
}

function stringField (m: Record<string, unknown>, key: string, max: number): string {
  const v = m[key]
  if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new MalformedError(`keep request field ${key} must be a string of at most ${max} characters`)
  return v
}

/** Decodes a keep request; checks shape and limits (not the signature: see verifyKeepRequest). */
export function decodeKeepRequest (bytes: Uint8Array): KeepRequest {
  const m = decodeCbor(bytes, { maxBytes: MAX_KEEP_REQUEST_BYTES, maxItems: MAX_KEEP_IDS, maxDepth: 2 })
  if (!isMap(m)) throw new MalformedError('keep request is not a map')
  if (m.v !== KEEP_REQUEST_VERSION) throw new MalformedError('unknown keep request version')
  if (m.op !== 'keep' && m.op !== 'status') throw new MalformedError('unknown keep request op')
  const topic = stringField(m, 'topic', MAX_TOPIC_CHARS)
  const ephemeralTopic = stringField(m, 'eph', MAX_TOPIC_CHARS)
  if (!topic.startsWith(TOPIC_PREFIX) || !ephemeralTopic.startsWith(EPHEMERAL_TOPIC_PREFIX)) throw new MalformedError('keep request topics have the wrong prefix')
  const time = m.ts
  if (typeof time !== 'number' || !Number.isSafeInteger(time) || time < 0) throw new MalformedError('keep request time must be a uint')
  let ids: Uint8Array[] | undefined
  if (m.ids !== undefined) {
    if (!Array.isArray(m.ids) || m.ids.length > MAX_KEEP_IDS || !m.ids.every(id => id instanceof Uint8Array && id.length === MESSAGE_ID_BYTES)) {
      throw new MalformedError(`keep request ids must be at most ${MAX_KEEP_IDS} message ids`)
    }
    ids = m.ids as Uint8Array[]
  }
  const out: KeepRequest = {
    op: m.op,
    topic,
    ephemeralTopic,
    roomId: bytesField(m, 'room', ROOM_ID_BYTES),
    writePublicKey: bytesField(m, 'wk', PUBLIC_KEY_BYTES),
    relay: stringField(m, 'relay', MAX_PEER_ID_CHARS),
    time,
    signature: bytesField(m, 'sig', SIGNATURE_BYTES)
  }
  if (ids != null) out.ids = ids
  return out
}

/**
 * Checks a decoded request's signature, addressee and age. Throws BadSignatureError or MalformedError
 * (`wrong-relay`, `stale` in the message).
 */
export async function verifyKeepRequest (r: KeepRequest, relayPeerId: string, now: number = Date.now()): Promise<void> {
  if (r.relay !== relayPeerId) throw new MalformedError('wrong-relay: keep request addressed to another relay')
  if (Math.abs(now - r.time) > KEEP_REQUEST_MAX_AGE_MS) throw new MalformedError('stale: keep request too old or too far in the future')
  if (!await verify(r.writePublicKey, signedBytes(r), r.signature)) throw new BadSignatureError('keep request signature does not verify')
}

/** Encodes a relay's answer. */
export function encodeKeepResponse (r: KeepResponse): Uint8Array {
  return encodeCbor({ ok: r.ok, err: r.error, sv: r.stateVector, held: r.held })
}

/** Decodes a relay's answer, bounded. */
export function decodeKeepResponse (bytes: Uint8Array): KeepResponse {
  const m = decodeCbor(bytes, { maxBytes: MAX_KEEP_RESPONSE_BYTES, maxItems: 8, maxDepth: 2 })
  if (!isMap(m) || typeof m.ok !== 'boolean') throw new MalformedError('keep response is not a map with ok')
  const out: KeepResponse = { ok: m.ok }
  if (typeof m.err === 'string') out.error = m.err.slice(0, 64)
  if (m.sv instanceof Uint8Array) out.stateVector = m.sv
  if (m.held instanceof Uint8Array && m.held.length <= Math.ceil(MAX_KEEP_IDS / 8)) out.held = m.held
  return out
}
