/**
 * Direct messages through createChat in process: three peers and a relay on loopback, memory storage. A DM opened
 * from a user id known through a shared room; the other side learns of it by a knock; a DM started from both sides
 * at once is one conversation; contacts, safety numbers, verification, key-change flags.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/index.ts'
import { ContactBook } from '../../../src/dm/contact-book.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { signRecord } from '../../../src/identity/signed-record.ts'
import { TAG_CONTACT_SIG } from '../../../src/constants.ts'
import { toBase64Url } from '../../../src/crypto/encoding.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat } from '../../../src/index.ts'
import type { Relay } from '../../../relay/relay.ts'

const NET = { mdns: false, webrtc: false, listen: ['/ip4/127.0.0.1/tcp/0'] }

async function until (check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

function texts (chat: Chat, room: string): string[] {
  return chat.messages(room).map(m => m.text).sort()
}

describe('direct messages (in process)', () => {
  let dir: string
  let relay: Relay
  let ana: Chat
  let ben: Chat
  let cy: Chat

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-dm-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
    ana = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Ana', ...NET })
    ben = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Ben', ...NET })
    cy = await createChat({ storage: memoryStorage(), relays: [relay.url], displayName: 'Cy', ...NET })
    for (const c of [ana, ben, cy]) expect(await c.waitForRelay(10_000)).toBe(true)
  })

  afterAll(async () => {
    for (const c of [ana, ben, cy]) await c?.close()
    await relay?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('opens a DM from a member of a shared room; the other side gets it through the knock', async () => {
    const team = await ana.createRoom('team')
    await ben.joinRoom(team.invite)
    // Ana learns Ben's box key from his signed profile in the room.
    await until(() => ana.members(team.id).some(m => m.userId === ben.user.userId))
    const dm = await ana.openDirect(ben.user.userId)
    expect(dm.direct).toEqual({ userId: ben.user.userId })
    expect(dm.name).toBe('Ben')
    expect(dm.invite).toBe('')
    const sent = await ana.send(dm.id, 'hi Ben')
    await until(() => ben.rooms().some(r => r.id === dm.id))
    const onBen = ben.room(dm.id)
    expect(onBen.direct).toEqual({ userId: ana.user.userId })
    expect(onBen.name).toBe('Ana')
    await until(() => ben.messages(dm.id).some(m => m.id === sent.id))
    await ben.send(dm.id, 'hi Ana')
    await until(() => ana.messages(dm.id).length === 2)
    // Inboxes and knock rooms never show up as rooms.
    expect(ana.rooms().map(r => r.id).sort()).toEqual([team.id, dm.id].sort())
    expect(ben.rooms()).toHaveLength(2)
    // Contacts: same safety number on both sides; verification is local.
    const a = ana.contact(ben.user.userId)
    const b = ben.contact(ana.user.userId)
    expect(a.safetyNumber).toMatch(/^(\d{5} ){11}\d{5}$/u)
    expect(a.safetyNumber).toBe(b.safetyNumber)
    expect(a).toMatchObject({ pinned: true, verified: false, keyChanged: false, directRoom: dm.id, name: 'Ben' })
    const verified = await ana.verifyContact(ben.user.userId)
    expect(verified.verified).toBe(true)
    expect(ben.contact(ana.user.userId).verified).toBe(false)
    expect(ana.contacts().map(c => c.userId)).toEqual([ben.user.userId])
    // Opening again returns the same room.
    expect((await ana.openDirect(ben.user.userId)).id).toBe(dm.id)
  })

  it('a DM started from both sides at once is one conversation with both messages', async () => {
    const [linkAna, linkCy] = await Promise.all([ana.contactLink(), cy.contactLink()])
    const [fromAna, fromCy] = await Promise.all([ana.openDirect(linkCy), cy.openDirect(linkAna)])
    expect(fromAna.id).toBe(fromCy.id)
    await Promise.all([ana.send(fromAna.id, 'hello from Ana'), cy.send(fromCy.id, 'hello from Cy')])
    await until(() => ana.messages(fromAna.id).length === 2 && cy.messages(fromCy.id).length === 2)
    expect(texts(ana, fromAna.id)).toEqual(['hello from Ana', 'hello from Cy'])
    expect(texts(cy, fromCy.id)).toEqual(texts(ana, fromAna.id))
    expect(ana.rooms().filter(r => r.direct?.userId === cy.user.userId)).toHaveLength(1)
    expect(cy.rooms().filter(r => r.direct?.userId === ana.user.userId)).toHaveLength(1)
  })

  it('a contact announcing another box key under the same user id is flagged, unverified, and reported', async () => {
    const benIdentity = createIdentity()
    const fake = createIdentity()
    const dee = await createChat({ storage: memoryStorage(), identity: benIdentity, displayName: 'Dee', offline: true })
    try {
      const real = await dee.contactLink()
      const room = await ana.openDirect(real)
      await ana.verifyContact(benIdentity.userId, { link: real })
      expect(ana.contact(benIdentity.userId)).toMatchObject({ verified: true, keyChanged: false, directRoom: room.id })
      const before = ana.contact(benIdentity.userId).safetyNumber
      // The same signing key vouching for someone else's box key: what a stolen signing key (or another client) does.
      const forged = `#/contact/1/${toBase64Url(await signRecord(benIdentity, TAG_CONTACT_SIG, 1, { bx: fake.boxPublicKey, n: 'Dee' }))}`
      const events: string[] = []
      ana.addEventListener('contact', (e) => { if (e.detail.userId === benIdentity.userId) events.push(e.detail.reason) })
      await expect(ana.verifyContact(benIdentity.userId, { link: forged })).rejects.toMatchObject({ name: 'InvalidArgumentError' })
      // Opening from the forged link keeps the pinned key (same room) but raises the warning.
      expect((await ana.openDirect(forged)).id).toBe(room.id)
      expect(events).toContain('key-change')
      const changed = ana.contact(benIdentity.userId)
      expect(changed).toMatchObject({ verified: false, keyChanged: true })
      expect(changed.safetyNumber).not.toBe(before)
      // Verifying again accepts the new key; the flag clears.
      expect(await ana.verifyContact(benIdentity.userId)).toMatchObject({ verified: true, keyChanged: false })
    } finally {
      await dee.close()
    }
  })

  it('refuses our own id, unknown users and bad links with clear errors', async () => {
    await expect(ana.openDirect(ana.user.userId)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(ana.openDirect(createIdentity().userId)).rejects.toMatchObject({ name: 'NotFoundError', message: expect.stringMatching(/contact link/) })
    await expect(ana.openDirect('cs0000')).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(ana.openDirect('http://x/#/contact/1/AAAA')).rejects.toMatchObject({ name: 'InvalidContactLinkError' })
    expect(() => ana.contact(createIdentity().userId)).toThrow(expect.objectContaining({ name: 'NotFoundError' }))
  })
})

describe('contact book key changes', () => {
  it('flags a different box key for a pinned contact, clears verified, and accepts it on verify', async () => {
    const storage = memoryStorage()
    const book = await ContactBook.load(storage)
    const ben = createIdentity()
    const other = createIdentity()
    expect(book.observe(ben.userId, { box: ben.boxPublicKey, name: 'Ben', time: 1 })).toBe('new')
    book.pin(ben.userId, ben.publicKey, ben.boxPublicKey, 'Ben')
    book.verify(ben.userId)
    expect(book.observe(ben.userId, { box: ben.boxPublicKey, name: 'Ben', time: 2 })).toBeUndefined()
    expect(book.observe(ben.userId, { box: other.boxPublicKey, name: 'Ben', time: 3 })).toBe('key-change')
    // The same change seen again is not a new warning.
    expect(book.observe(ben.userId, { box: other.boxPublicKey, time: 4 })).toBeUndefined()
    expect(book.pinned(ben.userId)).toMatchObject({ verified: false, changedBoxKey: other.boxPublicKey, boxPublicKey: ben.boxPublicKey })
    await book.save()
    const again = await ContactBook.load(storage)
    expect(again.pinned(ben.userId)).toMatchObject({ verified: false, changedBoxKey: other.boxPublicKey, name: 'Ben' })
    again.verify(ben.userId)
    expect(again.pinned(ben.userId)?.boxPublicKey).toEqual(other.boxPublicKey)
    expect(again.pinned(ben.userId)?.changedBoxKey).toBeUndefined()
    // A damaged stored book does not stop the chat: it starts empty.
    await storage.setMeta('contacts', Uint8Array.of(0xff, 0x00, 0x13))
    expect((await ContactBook.load(storage)).allPinned()).toEqual([])
  })
})
