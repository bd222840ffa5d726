/** Safety numbers, contact links and knocks: pure functions, hostile input. */
import { describe, expect, it } from 'vitest'
import { MAX_CONTACT_LINK_CHARS } from '../../../src/constants.ts'
import { fromBase64Url, toBase64Url } from '../../../src/crypto/encoding.ts'
import { decodeCbor, encodeCbor } from '../../../src/envelope/codec.ts'
import { validateBody } from '../../../src/envelope/body.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { signRecord } from '../../../src/identity/signed-record.ts'
import { TAG_CONTACT_SIG } from '../../../src/constants.ts'
import { createContactLink, isContactLink, parseContactLink } from '../../../src/dm/contact-link.ts'
import { inboxRoomSecret, openKnock, sealKnock } from '../../../src/dm/inbox.ts'
import { safetyNumber } from '../../../src/dm/safety-number.ts'
import { deriveRoomKeys } from '../../../src/room/keys.ts'

describe('safety number', () => {
  it('is 60 digits in 12 groups, the same on both sides, and changes with either key', () => {
    const a = createIdentity()
    const b = createIdentity()
    const ab = safetyNumber(a, b)
    expect(ab).toMatch(/^(\d{5} ){11}\d{5}$/u)
    expect(safetyNumber(b, a)).toBe(ab)
    expect(safetyNumber(a, createIdentity())).not.toBe(ab)
    // Same user key, another box key (a machine in the middle of the direct room): another number.
    expect(safetyNumber(a, { publicKey: b.publicKey, boxPublicKey: createIdentity().boxPublicKey })).not.toBe(ab)
    expect(() => safetyNumber(a, { publicKey: b.publicKey, boxPublicKey: new Uint8Array(31) })).toThrow(/32 bytes/)
  })
})

describe('contact link', () => {
  it('round trips (whole URL, fragment, with a name, without)', async () => {
    const id = createIdentity()
    const link = await createContactLink(id, { name: 'Ana', origin: 'https://chat.example/' })
    expect(link.startsWith('https://chat.example/#/contact/1/')).toBe(true)
    expect(isContactLink(link)).toBe(true)
    expect(isContactLink(id.userId)).toBe(false)
    const card = await parseContactLink(link)
    expect(card).toEqual({ userId: id.userId, publicKey: id.publicKey, boxPublicKey: id.boxPublicKey, name: 'Ana' })
    expect(await parseContactLink(`  ${link.slice(link.indexOf('#'))}  `)).toEqual(card)
    expect(await parseContactLink(link.slice(link.indexOf('#') + 1))).toEqual(card)
    const anon = await parseContactLink(await createContactLink(id))
    expect(anon.name).toBeUndefined()
    expect(anon.boxPublicKey).toEqual(id.boxPublicKey)
  })

  it('refuses damaged, cut, foreign and forged links with a clear InvalidContactLinkError', async () => {
    const id = createIdentity()
    const link = await createContactLink(id, { name: 'Ana' })
    const bad = async (text: string, message: RegExp): Promise<void> => {
      await expect(parseContactLink(text)).rejects.toMatchObject({ name: 'InvalidContactLinkError', message: expect.stringMatching(message) })
    }
    await bad('', /empty/)
    await bad('https://chat.example/', /cut off/)
    await bad('https://chat.example/#/join/1/abc/x', /not a ChatSphere contact link/)
    await bad(link.replace('/contact/1/', '/contact/9/'), /version 9 is not supported/)
    await bad(link.replace('/contact/1/', '/contact/x/'), /no version/)
    await bad(link + '/extra', /extra parts/)
    await bad(link.slice(0, -10), /damaged/)
    await bad(link.replace(/\/contact\/1\/.*/u, '/contact/1/'), /missing/)
    await bad(link.replace(/.$/u, '*'), /characters/)
    await bad('x'.repeat(MAX_CONTACT_LINK_CHARS + 1), /too long/)
    // Every single-character change of the card is refused (altered or damaged), never read as another contact.
    const card = link.slice(link.lastIndexOf('/') + 1)
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    for (let i = 0; i < card.length; i += 3) {
      const c = card[i] as string
      const swapped = alphabet[(alphabet.indexOf(c) + 1) % alphabet.length] as string
      const text = link.slice(0, link.length - card.length) + card.slice(0, i) + swapped + card.slice(i + 1)
      let parsed
      try { parsed = await parseContactLink(text) } catch (err) { expect((err as Error).name).toBe('InvalidContactLinkError'); continue }
      // base64url's last character can carry unused bits: decoding to the same bytes is the same card.
      expect(parsed.boxPublicKey).toEqual(id.boxPublicKey)
    }
  })

  it('refuses a card whose box key was swapped (signature) and says so', async () => {
    const id = createIdentity()
    const mallory = createIdentity()
    const link = await createContactLink(id, { name: 'Ana' })
    const bytes = fromBase64Url(link.slice(link.lastIndexOf('/') + 1))
    const [payload, sig] = decodeCbor(bytes, { maxBytes: 1024 }) as [Uint8Array, Uint8Array]
    const fields = decodeCbor(payload, { maxBytes: 1024 }) as Record<string, unknown>
    fields.bx = mallory.boxPublicKey
    const forged = toBase64Url(encodeCbor([encodeCbor(fields), sig]))
    await expect(parseContactLink(`#/contact/1/${forged}`)).rejects.toThrow(/altered/)
    // A card Mallory signs herself is valid, but it is Mallory's user id, not Ana's.
    const own = toBase64Url(await signRecord(mallory, TAG_CONTACT_SIG, 1, { bx: mallory.boxPublicKey, n: 'Ana' }))
    expect((await parseContactLink(`#/contact/1/${own}`)).userId).toBe(mallory.userId)
  })
})

describe('knock', () => {
  it('opens only for its recipient, hides the sender from other readers, and refuses tampering', async () => {
    const ana = createIdentity()
    const ben = createIdentity()
    const eve = createIdentity()
    const sealed = await sealKnock(ana, ben, { name: 'Ana', time: 1234 })
    expect(sealed.author.userId).not.toBe(ana.userId)
    // The body passes the envelope's body validation (what every receiver runs).
    const body = validateBody(sealed.body) as typeof sealed.body
    expect(await openKnock(ben, body)).toEqual({ userId: ana.userId, publicKey: ana.publicKey, boxPublicKey: ana.boxPublicKey, name: 'Ana', time: 1234 })
    await expect(openKnock(eve, body)).rejects.toThrow(/does not open/)
    const flipped = { ...body, box: Uint8Array.from(body.box) }
    flipped.box[5] = (flipped.box[5] as number) ^ 1
    await expect(openKnock(ben, flipped)).rejects.toThrow(/does not open/)
    // A knock for Eve that Eve re-boxes to Ben (replaying Ana's signed record) is refused: it names its recipient.
    const forEve = await sealKnock(ana, eve, { time: 1 })
    const nacl = (await import('tweetnacl')).default
    const record = nacl.box.open(forEve.body.box, forEve.body.nonce, forEve.body.eph, eve.boxSecretKey) as Uint8Array
    const nonce = new Uint8Array(24)
    const replay = { k: 'knock' as const, eph: eve.boxPublicKey, nonce, box: nacl.box(record, nonce, ben.boxPublicKey, eve.boxSecretKey) }
    await expect(openKnock(ben, replay)).rejects.toThrow(/someone else/)
  })

  it('inbox rooms are derived from the user key alone, distinct per user', () => {
    const a = createIdentity()
    const b = createIdentity()
    expect(deriveRoomKeys(inboxRoomSecret(a.publicKey)).roomIdText).toBe(deriveRoomKeys(inboxRoomSecret(Uint8Array.from(a.publicKey))).roomIdText)
    expect(deriveRoomKeys(inboxRoomSecret(a.publicKey)).topic).not.toBe(deriveRoomKeys(inboxRoomSecret(b.publicKey)).topic)
    expect(() => inboxRoomSecret(new Uint8Array(3))).toThrow(/32 bytes/)
  })

  it('body validation bounds knock fields', () => {
    const ok = { k: 'knock', eph: new Uint8Array(32), nonce: new Uint8Array(24), box: new Uint8Array(100) }
    expect(() => validateBody(ok)).not.toThrow()
    expect(() => validateBody({ ...ok, eph: new Uint8Array(31) })).toThrow(/32 bytes/)
    expect(() => validateBody({ ...ok, nonce: new Uint8Array(23) })).toThrow(/24 bytes/)
    expect(() => validateBody({ ...ok, box: new Uint8Array(10_000) })).toThrow(/exceeds/)
    expect(() => validateBody({ k: 'profile', name: 'x', box: new Uint8Array(5) })).toThrow(/32 bytes/)
  })
})
