/**
 * Validation of decoded message bodies (PROTOCOL.md § Bodies). A body comes out typed and copied, with only
 * the fields its kind defines, or an error is thrown: OversizedError when a field exceeds its limit,
 * MalformedError for everything else. Unknown extra fields (from newer peers) are ignored, unknown kinds refused.
 */
import {
  MAX_AVATAR_BYTES, MAX_FIELD_BYTES, MAX_FILE_SIZE, MAX_NAME_BYTES, MAX_PEER_ID_CHARS, MAX_PREVIEW_BYTES, MAX_REACTION_BYTES,
  MAX_ROOM_NAME_BYTES, MAX_TEXT_BYTES, MESSAGE_ID_BYTES, PUBLIC_KEY_BYTES, KNOCK_NONCE_BYTES, MAX_KNOCK_BOX_BYTES,
  MAX_DEVICE_RECORD_BYTES, MAX_DEVICE_MAIL_BYTES
} from '../constants.ts'
import { MalformedError, OversizedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import { isMap } from './codec.ts'
import { ROLE_BODY_KINDS, validateRoleBody } from '../roles/body.ts'
import { FrameKind } from './types.ts'
import type { Body, BodyKind, MessageRef } from './types.ts'

/** Bodies that only travel in ephemeral frames (never stored); every other kind only in stored frames. */
export const EPHEMERAL_BODY_KINDS: ReadonlySet<BodyKind> = new Set<BodyKind>(['presence', 'typing', 'read', 'want', 'have'])
const KNOWN_BODY_KINDS: ReadonlySet<string> = new Set<BodyKind>([
  'text', 'edit', 'delete', 'react', 'profile', 'room', 'presence', 'typing', 'read', 'file', 'want', 'have', 'knock', 'device', 'devmail'
])
const PRESENCE_STATES = new Set(['online', 'away', 'offline'])
/** A libp2p peer id in text form (base58btc multihash or CIDv1 base32). */
const PEER_ID_TEXT = /^[1-9A-HJ-NP-Za-km-z]+$|^b[a-z2-7]+$/
/** Bytes of a file's content hash (SHA-256) and per-file key (secretbox). */
const FILE_HASH_BYTES = 32
const FILE_KEY_BYTES = 32

function has (m: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(m, key) && m[key] !== undefined
}

function str (m: Record<string, unknown>, key: string, maxBytes: number, opts: { optional?: boolean, nonEmpty?: boolean } = {}): string | undefined {
  if (!has(m, key)) {
    if (opts.optional === true) return undefined
    throw new MalformedError(`body field "${key}" is missing`)
  }
  const v = m[key]
  if (typeof v !== 'string') throw new MalformedError(`body field "${key}" must be text`)
  // UTF-16 length is at most the UTF-8 length... and at least a third of it: cheap pre-check before counting.
  if (v.length > maxBytes || utf8Length(v) > maxBytes) throw new OversizedError(`body field "${key}" exceeds ${maxBytes} bytes`)
  if (opts.nonEmpty === true && v.length === 0) throw new MalformedError(`body field "${key}" is empty`)
  return v
}

function bytes (m: Record<string, unknown>, key: string, opts: { exact?: number, max?: number, optional?: boolean }): Uint8Array | undefined {
  if (!has(m, key)) {
    if (opts.optional === true) return undefined
    throw new MalformedError(`body field "${key}" is missing`)
  }
  const v = m[key]
  if (!(v instanceof Uint8Array)) throw new MalformedError(`body field "${key}" must be bytes`)
  if (opts.exact !== undefined && v.length !== opts.exact) throw new MalformedError(`body field "${key}" must be ${opts.exact} bytes`)
  if (opts.max !== undefined && v.length > opts.max) throw new OversizedError(`body field "${key}" exceeds ${opts.max} bytes`)
  return Uint8Array.from(v)
}

function ref (m: Record<string, unknown>, key: string, optional = false): MessageRef | undefined {
  return bytes(m, key, { exact: MESSAGE_ID_BYTES, optional })
}

function peerId (m: Record<string, unknown>, key: string, optional = false): string | undefined {
  const v = str(m, key, MAX_PEER_ID_CHARS, { optional, nonEmpty: true })
  if (v !== undefined && !PEER_ID_TEXT.test(v)) throw new MalformedError(`body field "${key}" is not a peer id`)
  return v
}

function bool (m: Record<string, unknown>, key: string): boolean {
  const v = m[key]
  if (typeof v !== 'boolean') throw new MalformedError(`body field "${key}" must be true or false`)
  return v
}

function uint (m: Record<string, unknown>, key: string, max: number, optional = false): number | undefined {
  if (!has(m, key)) {
    if (optional) return undefined
    throw new MalformedError(`body field "${key}" is missing`)
  }
  const v = m[key]
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MalformedError(`body field "${key}" must be a non-negative integer`)
  if (v > max) throw new OversizedError(`body field "${key}" exceeds ${max}`)
  return v
}

/** Removes undefined optional fields so bodies compare and encode the same way everywhere. */
function compact<T extends object> (body: T): T {
  for (const k of Object.keys(body) as Array<keyof T>) if (body[k] === undefined) Reflect.deleteProperty(body, k)
  return body
}

/**
 * Checks a decoded body against its kind's fields and limits and returns a clean typed copy.
 * @param value - the decoded `b` field of an inner message
 * @param frameKind - the frame it came in: ephemeral bodies only in ephemeral frames and vice versa
 */
export function validateBody (value: unknown, frameKind: FrameKind = FrameKind.message): Body {
  if (!isMap(value)) throw new MalformedError('body must be a CBOR map')
  const k = value.k
  if (typeof k !== 'string') throw new MalformedError('body has no kind "k"')
  if (!KNOWN_BODY_KINDS.has(k) && !ROLE_BODY_KINDS.has(k)) throw new MalformedError(`unknown body kind "${k.slice(0, 32)}"`)
  const ephemeralFrame = frameKind === FrameKind.ephemeral
  if (EPHEMERAL_BODY_KINDS.has(k as BodyKind) !== ephemeralFrame) {
    throw new MalformedError(`body kind "${k}" is not allowed in ${ephemeralFrame ? 'an ephemeral' : 'a stored'} frame`)
  }
  const m = value
  switch (k) {
    case 'text': {
      // Built without compact() (the most common body: a deleted property turns the object into a slow map).
      const text = str(m, 'text', MAX_TEXT_BYTES) as string
      const reply = ref(m, 'reply', true)
      return reply === undefined ? { k, text } : { k, text, reply }
    }
    case 'edit':
      return { k, target: ref(m, 'target') as MessageRef, text: str(m, 'text', MAX_TEXT_BYTES) as string }
    case 'delete':
      return { k, target: ref(m, 'target') as MessageRef }
    case 'react':
      return { k, target: ref(m, 'target') as MessageRef, emoji: str(m, 'emoji', MAX_REACTION_BYTES, { nonEmpty: true }) as string, on: bool(m, 'on') }
    case 'profile':
      // box: the author's X25519 key (direct rooms, key rotation); the envelope's author signature vouches for it.
      return compact({ k, name: str(m, 'name', MAX_NAME_BYTES) as string, avatar: str(m, 'avatar', MAX_AVATAR_BYTES, { optional: true }), box: bytes(m, 'box', { exact: PUBLIC_KEY_BYTES, optional: true }) })
    case 'room':
      return compact({ k, name: str(m, 'name', MAX_ROOM_NAME_BYTES, { optional: true }), topic: str(m, 'topic', MAX_ROOM_NAME_BYTES, { optional: true }) })
    case 'presence': {
      const state = m.state
      if (typeof state !== 'string' || !PRESENCE_STATES.has(state)) throw new MalformedError('presence state must be online, away or offline')
      return { k, state: state as 'online' | 'away' | 'offline' }
    }
    case 'typing':
      return { k, on: bool(m, 'on') }
    case 'read':
      return { k, upTo: ref(m, 'upTo') as MessageRef }
    case 'file':
      return compact({
        k,
        name: str(m, 'name', MAX_FIELD_BYTES, { nonEmpty: true }) as string,
        mime: str(m, 'mime', MAX_FIELD_BYTES) as string,
        size: uint(m, 'size', MAX_FILE_SIZE) as number,
        hash: bytes(m, 'hash', { exact: FILE_HASH_BYTES }) as Uint8Array,
        key: bytes(m, 'key', { exact: FILE_KEY_BYTES }) as Uint8Array,
        preview: bytes(m, 'preview', { max: MAX_PREVIEW_BYTES, optional: true }),
        duration: uint(m, 'duration', Number.MAX_SAFE_INTEGER, true),
        root: bytes(m, 'root', { exact: FILE_HASH_BYTES, optional: true }),
        peer: peerId(m, 'peer', true)
      })
    case 'want':
      return { k, hash: bytes(m, 'hash', { exact: FILE_HASH_BYTES }) as Uint8Array }
    case 'have':
      return { k, hash: bytes(m, 'hash', { exact: FILE_HASH_BYTES }) as Uint8Array, peer: peerId(m, 'peer') as string }
    case 'knock':
      return {
        k,
        eph: bytes(m, 'eph', { exact: PUBLIC_KEY_BYTES }) as Uint8Array,
        nonce: bytes(m, 'nonce', { exact: KNOCK_NONCE_BYTES }) as Uint8Array,
        box: bytes(m, 'box', { max: MAX_KNOCK_BOX_BYTES }) as Uint8Array
      }
    case 'device':
      return { k, rec: bytes(m, 'rec', { max: MAX_DEVICE_RECORD_BYTES }) as Uint8Array }
    case 'devmail':
      return { k, box: bytes(m, 'box', { max: MAX_DEVICE_MAIL_BYTES }) as Uint8Array }
    default:
      if (ROLE_BODY_KINDS.has(k)) return validateRoleBody(k, m)
      throw new MalformedError(`unknown body kind "${k.slice(0, 32)}"`)
  }
}
