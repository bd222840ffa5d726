/**
 * Validation of the membership-operation bodies (`genesis`, `role`, `kick`, `ban`, `remove`, `settings`, `keys`)
 * called by src/envelope/body.ts. Same contract: a clean typed copy, or
 * OversizedError / MalformedError. Every list is length-checked before it is mapped (the CBOR decoder already
 * bounds it at MAX_CBOR_ITEMS).
 */
import {
  MAX_AVATAR_BYTES, MAX_EPOCH, MAX_KEY_GRANTS, MAX_REVOKED_BOX_KEYS, MAX_ROOM_NAME_BYTES,
  MESSAGE_ID_BYTES
} from '../constants.ts'
import { MalformedError, OversizedError } from '../errors.ts'
import { utf8Length } from '../crypto/encoding.ts'
import { isMap } from '../envelope/codec.ts'
import type { Body } from '../envelope/types.ts'

/** Body kinds of membership operations (stored frames only). */
export const ROLE_BODY_KINDS: ReadonlySet<string> = new Set(['genesis', 'role', 'kick', 'ban', 'remove', 'settings', 'keys'])

const ROLES = new Set(['owner', 'admin', 'moderator', 'member'])
const INVITE_POLICIES = new Set(['member', 'moderator', 'admin'])
const HISTORY_VISIBILITY = new Set(['all', 'joined'])
/** Bytes of a user key, an X25519 box key, a nacl.box nonce and a boxed 32-byte key (32 + 16 tag). */
const USER_KEY_BYTES = 32
const BOX_KEY_BYTES = 32
const BOX_NONCE_BYTES = 24
const BOXED_KEY_BYTES = 48

type Fields = Record<string, unknown>

function has (m: Fields, key: string): boolean {
  return Object.hasOwn(m, key) && m[key] !== undefined
}

function bytes (m: Fields, key: string, exact: number): Uint8Array {
  const v = m[key]
  if (!(v instanceof Uint8Array)) throw new MalformedError(`body field "${key}" must be bytes`)
  if (v.length !== exact) throw new MalformedError(`body field "${key}" must be ${exact} bytes`)
  return Uint8Array.from(v)
}

function bool (m: Fields, key: string): boolean {
  const v = m[key]
  if (typeof v !== 'boolean') throw new MalformedError(`body field "${key}" must be true or false`)
  return v
}

function optText (m: Fields, key: string, maxBytes: number): string | undefined {
  if (!has(m, key)) return undefined
  const v = m[key]
  if (typeof v !== 'string') throw new MalformedError(`body field "${key}" must be text`)
  if (v.length > maxBytes || utf8Length(v) > maxBytes) throw new OversizedError(`body field "${key}" exceeds ${maxBytes} bytes`)
  return v
}

function oneOf (m: Fields, key: string, allowed: ReadonlySet<string>, optional: boolean): string | undefined {
  if (!has(m, key)) {
    if (optional) return undefined
    throw new MalformedError(`body field "${key}" is missing`)
  }
  const v = m[key]
  if (typeof v !== 'string' || !allowed.has(v)) throw new MalformedError(`body field "${key}" must be one of ${[...allowed].join(', ')}`)
  return v
}

function list (m: Fields, key: string, max: number): unknown[] {
  const v = m[key]
  if (!Array.isArray(v)) throw new MalformedError(`body field "${key}" must be a list`)
  if (v.length > max) throw new OversizedError(`body field "${key}" has more than ${max} entries`)
  return v
}

function keyList (m: Fields, key: string, max: number): Uint8Array[] | undefined {
  if (!has(m, key)) return undefined
  return list(m, key, max).map((item) => bytes({ [key]: item }, key, BOX_KEY_BYTES))
}

function compact<T extends object> (body: T): T {
  for (const k of Object.keys(body) as Array<keyof T>) if (body[k] === undefined) Reflect.deleteProperty(body, k)
  return body
}

/** Validates one membership-operation body (`k` ∈ ROLE_BODY_KINDS). */
export function validateRoleBody (k: string, m: Fields): Body {
  switch (k) {
    case 'genesis':
      return { k }
    case 'role':
      return { k, user: bytes(m, 'user', USER_KEY_BYTES), role: oneOf(m, 'role', ROLES, false) as 'owner' | 'admin' | 'moderator' | 'member' }
    case 'kick':
      return { k, user: bytes(m, 'user', USER_KEY_BYTES) }
    case 'ban':
      return { k, user: bytes(m, 'user', USER_KEY_BYTES), on: bool(m, 'on') }
    case 'remove':
      return { k, target: bytes(m, 'target', MESSAGE_ID_BYTES), on: bool(m, 'on') }
    case 'settings':
      return compact({
        k,
        name: optText(m, 'name', MAX_ROOM_NAME_BYTES),
        topic: optText(m, 'topic', MAX_ROOM_NAME_BYTES),
        avatar: optText(m, 'avatar', MAX_AVATAR_BYTES),
        invite: oneOf(m, 'invite', INVITE_POLICIES, true) as 'member' | 'moderator' | 'admin' | undefined,
        history: oneOf(m, 'history', HISTORY_VISIBILITY, true) as 'all' | 'joined' | undefined
      })
    case 'keys': {
      const epoch = m.epoch
      if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) throw new MalformedError('body field "epoch" must be a non-negative integer')
      if (epoch > MAX_EPOCH) throw new OversizedError(`body field "epoch" exceeds ${MAX_EPOCH}`)
      const grants = list(m, 'grants', MAX_KEY_GRANTS).map((g) => {
        if (!isMap(g)) throw new MalformedError('a key grant must be a map')
        return { to: bytes(g, 'to', BOX_KEY_BYTES), nonce: bytes(g, 'nonce', BOX_NONCE_BYTES), box: bytes(g, 'box', BOXED_KEY_BYTES) }
      })
      return compact({ k, epoch, rekey: bool(m, 'rekey'), epk: bytes(m, 'epk', BOX_KEY_BYTES), grants, revoked: keyList(m, 'revoked', MAX_REVOKED_BOX_KEYS) })
    }
    default:
      throw new MalformedError(`unknown body kind "${k.slice(0, 32)}"`)
  }
}
