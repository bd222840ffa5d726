import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import nacl from 'tweetnacl'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { createInviteLink, parseInviteLink } from '../../../src/room/invite.ts'
import { deriveKey } from '../../../src/crypto/hkdf.ts'
import { toBase64Url, toHex } from '../../../src/crypto/encoding.ts'
import {
  DEFAULT_INVITE_ORIGIN, EPHEMERAL_TOPIC_PREFIX, MAX_INVITE_CHARS, MAX_ROOM_NAME_BYTES, TAG_ROOM_ID, TAG_ROOM_KEY, TAG_ROOM_WRITE, TOPIC_PREFIX
} from '../../../src/constants.ts'
import { InvalidArgumentError, InvalidInviteError } from '../../../src/errors.ts'

describe('room keys', () => {
  it('derive every value from the secret as PROTOCOL.md says', () => {
    const secret = new Uint8Array(32).fill(9)
    const r = deriveRoomKeys(secret)
    expect(r.roomId).toEqual(deriveKey(secret, TAG_ROOM_ID, 32))
    expect(r.roomIdText).toBe(toHex(r.roomId))
    expect(r.roomIdText).toMatch(/^[0-9a-f]{64}$/)
    expect(r.key).toEqual(deriveKey(secret, TAG_ROOM_KEY, 32))
    expect(r.writeSeed).toEqual(deriveKey(secret, TAG_ROOM_WRITE, 32))
    expect(r.writePublicKey).toEqual(nacl.sign.keyPair.fromSeed(r.writeSeed).publicKey)
    expect(r.topic.startsWith(TOPIC_PREFIX)).toBe(true)
    expect(r.topic.slice(TOPIC_PREFIX.length)).toMatch(/^[a-z2-7]{32}$/)
    expect(r.ephemeralTopic.startsWith(EPHEMERAL_TOPIC_PREFIX)).toBe(true)
    expect(r.ephemeralTopic).not.toBe(r.topic)
    expect(r.secret).toEqual(secret)
  })

  it('is deterministic, and every derived value differs from the others and between rooms', () => {
    const s = createRoomSecret()
    const a = deriveRoomKeys(s)
    expect(deriveRoomKeys(Uint8Array.from(s))).toEqual(a)
    const b = deriveRoomKeys(createRoomSecret())
    for (const k of ['roomIdText', 'topic', 'ephemeralTopic'] as const) expect(a[k]).not.toBe(b[k])
    const values = [a.secret, a.roomId, a.key, a.writeSeed, a.idKey].map(toHex)
    expect(new Set(values).size).toBe(values.length)
  })

  it('refuses a secret of the wrong size', () => {
    expect(() => deriveRoomKeys(new Uint8Array(16))).toThrow(InvalidArgumentError)
  })
})

describe('invite links', () => {
  it('round-trip the secret and any room name, from the whole URL or the fragment alone', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 60 }), (secret, name) => {
      const link = createInviteLink({ secret, name, origin: 'http://192.168.1.20:8470/' })
      expect(link.startsWith('http://192.168.1.20:8470/#/join/1/')).toBe(true)
      expect(parseInviteLink(link)).toEqual({ secret, name })
      const fragment = link.slice(link.indexOf('#'))
      expect(parseInviteLink(fragment)).toEqual({ secret, name })
      expect(parseInviteLink(fragment.slice(1))).toEqual({ secret, name })
      expect(parseInviteLink(`  ${link}\n`)).toEqual({ secret, name })
    }))
  })

  it('keeps the secret in the fragment only, and uses the default origin when none is given', () => {
    const secret = createRoomSecret()
    const link = createInviteLink({ secret, name: 'Café & friends' })
    const url = new URL(link)
    expect(url.origin).toBe(DEFAULT_INVITE_ORIGIN)
    expect(url.pathname + url.search).toBe('/')
    expect(url.hash).toContain(toBase64Url(secret))
    expect(parseInviteLink(link).name).toBe('Café & friends')
  })

  it('explains each kind of bad link', () => {
    const secret = createRoomSecret()
    const good = createInviteLink({ secret, name: 'Room' })
    const key = toBase64Url(secret)
    const cases: Array<[string, RegExp]> = [
      ['', /empty/],
      ['https://chatsphere.app/', /part after "#" is missing/],
      ['https://example.com/#/settings', /not a ChatSphere invite link/],
      ['hello there', /not a ChatSphere invite link/],
      [good.replace('/join/1/', '/join/2/'), /version 2 is not supported/],
      [good.replace('/join/1/', '/join/x/'), /no version number/],
      [good.replace(key, ''), /room key is missing/],
      [good.replace(key, key.slice(0, 40)), /room key has 40 characters, expected 43/],
      [good.replace(key, key.slice(0, 42) + '*'), /characters that do not belong/],
      [good + '/extra', /unexpected extra parts/],
      [good.replace('/Room', '/%E0%A4%A'), /not valid percent-encoding/],
      [good.replace('/Room', '/' + 'a'.repeat(MAX_ROOM_NAME_BYTES + 1)), /longer than/],
      ['x'.repeat(MAX_INVITE_CHARS + 1), /too long/]
    ]
    for (const [text, message] of cases) {
      expect(() => parseInviteLink(text), text.slice(0, 80)).toThrow(InvalidInviteError)
      expect(() => parseInviteLink(text), text.slice(0, 80)).toThrow(message)
    }
  })

  it('accepts a link without a name', () => {
    const secret = createRoomSecret()
    expect(parseInviteLink(`#/join/1/${toBase64Url(secret)}`)).toEqual({ secret, name: '' })
  })

  it('refuses to create links from bad input', () => {
    expect(() => createInviteLink({ secret: new Uint8Array(3), name: 'x' })).toThrow(InvalidArgumentError)
    expect(() => createInviteLink({ secret: createRoomSecret(), name: 'x'.repeat(MAX_ROOM_NAME_BYTES + 1) })).toThrow(InvalidArgumentError)
  })
})

describe('direct rooms', () => {
  it('give both users the same secret, different for every pair', async () => {
    const { createIdentity } = await import('../../../src/identity/identity.ts')
    const { directRoomSecret } = await import('../../../src/room/direct.ts')
    const a = createIdentity()
    const b = createIdentity()
    const c = createIdentity()
    const ab = directRoomSecret(a, b.boxPublicKey)
    expect(ab).toHaveLength(32)
    expect(directRoomSecret(b, a.boxPublicKey)).toEqual(ab)
    expect(directRoomSecret(a, c.boxPublicKey)).not.toEqual(ab)
    expect(directRoomSecret(c, b.boxPublicKey)).not.toEqual(ab)
    expect(deriveRoomKeys(ab).roomIdText).toBe(deriveRoomKeys(directRoomSecret(b, a.boxPublicKey)).roomIdText)
    expect(() => directRoomSecret(a, new Uint8Array(32))).toThrow(/low-order/)
    expect(() => directRoomSecret(a, new Uint8Array(31))).toThrow(InvalidArgumentError)
  })
})
