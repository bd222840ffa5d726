/**
 * Two in-process chat peers on loopback TCP (no relay): the new device shows a link code, the existing one links it,
 * and the new device reopens as the same identity with the rooms, profile and device list.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createChat } from '../../../src/chat/index.ts'
import { LINK_CODE_PREFIX, encodeLinkCode, parseLinkCode } from '../../../src/devices/link-code.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import type { Chat, ChatInit } from '../../../src/chat/index.ts'

const open: Chat[] = []
async function peer (init: Partial<ChatInit> & { storage: ChatInit['storage'] }): Promise<Chat> {
  const chat = await createChat({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false, keep: false, ...init })
  open.push(chat)
  return chat
}
afterEach(async () => { for (const c of open.splice(0)) await c.close().catch(() => {}) })

describe('linking a device (in process, direct TCP)', () => {
  it('hands over identity, rooms and profile; both list the two devices', async () => {
    const sA = memoryStorage()
    const sB = memoryStorage()
    const a = await peer({ storage: sA, displayName: 'Ana', deviceName: 'laptop' })
    const room = await a.createRoom('friends')
    const b = await peer({ storage: sB, deviceName: 'phone' })
    expect(b.user.userId).not.toBe(a.user.userId)
    expect(b.devices()).toEqual([expect.objectContaining({ name: 'phone', current: true, revoked: false })])

    const offer = await b.createLinkOffer()
    expect(offer.code.startsWith(LINK_CODE_PREFIX)).toBe(true)
    const linked = await a.linkDevice(offer.code)
    expect(linked).toMatchObject({ id: b.peerId, name: 'phone', current: false, revoked: false })
    await expect(offer.done).resolves.toMatchObject({ userId: a.user.userId, rooms: 1, restartRequired: true, name: 'Ana' })
    // One-time: the same code does not work twice.
    await expect(a.linkDevice(offer.code)).rejects.toMatchObject({ name: 'LinkRefusedError' })
    expect(a.devices().map(d => [d.name, d.current])).toEqual([['laptop', true], ['phone', false]])

    const bPeer = b.peerId
    await b.close()
    const b2 = await peer({ storage: sB, deviceName: 'phone' })
    expect(b2.user.userId).toBe(a.user.userId)
    expect(b2.user.name).toBe('Ana')
    expect(b2.peerId).toBe(bPeer)
    expect(b2.rooms().map(r => r.id)).toEqual([room.id])
    const list = b2.devices()
    expect(list.map(d => [d.name, d.current]).sort()).toEqual([['laptop', false], ['phone', true]])
  })

  it('a wrong secret is refused by the new device and the offer stays open', async () => {
    const a = await peer({ storage: memoryStorage(), deviceName: 'laptop' })
    const b = await peer({ storage: memoryStorage(), deviceName: 'phone' })
    const offer = await b.createLinkOffer()
    const parsed = parseLinkCode(offer.code)
    const wrong = encodeLinkCode({ ...parsed, secret: new Uint8Array(16).fill(9) })
    await expect(a.linkDevice(wrong)).rejects.toMatchObject({ name: 'LinkRefusedError' })
    await expect(a.linkDevice('csl1.garbage')).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await expect(a.linkDevice(offer.code)).resolves.toMatchObject({ name: 'phone' })
    await expect(offer.done).resolves.toMatchObject({ userId: a.user.userId })
    // Linking a device to itself is refused before any network work.
    const c = await peer({ storage: memoryStorage() })
    const own = await c.createLinkOffer()
    await expect(c.linkDevice(own.code)).rejects.toMatchObject({ name: 'InvalidArgumentError' })
    await own.cancel()
    await expect(own.done).rejects.toMatchObject({ name: 'TimeoutError' })
  })
})
