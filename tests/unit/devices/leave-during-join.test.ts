/**
 * A room joined on this device because another device said so is shown before that join is fully applied (its first
 * sends are still being written). A user who leaves it in that window leaves it on every device: the leave used to be
 * taken for one being applied from another device and was not mailed at all, so the other devices kept the room.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { startRelay } from '../../../relay/relay.ts'
import { createChat } from '../../../src/chat/index.ts'
import { memoryStorage } from '../chat/support/memory-storage.ts'
import { gatedStorage } from '../chat/support/gated-storage.ts'
import { until } from '../../support/until.ts'
import type { Chat, ChatInit } from '../../../src/chat/index.ts'
import type { Relay } from '../../../relay/relay.ts'

const open: Chat[] = []
let relay: Relay | undefined
let dir = ''
async function peer (init: Partial<ChatInit> & { storage: ChatInit['storage'] }): Promise<Chat> {
  const chat = await createChat({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, webrtc: false, relays: [relay?.url ?? ''], ...init })
  open.push(chat)
  expect(await chat.waitForRelay(20_000)).toBe(true)
  return chat
}
afterEach(async () => {
  for (const c of open.splice(0)) await c.close().catch(() => {})
  await relay?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('a room left while another device\'s join of it is being applied', () => {
  it('is left on the other device too', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-leave-join-'))
    relay = await startRelay({ dataDir: dir, host: '127.0.0.1', port: 0, tcpPort: 0, webDir: null, logger: pino({ level: 'silent' }) })
    const laptop = await peer({ storage: memoryStorage(), displayName: 'Ana', deviceName: 'laptop' })
    await laptop.createRoom('first')
    const phoneStorage = gatedStorage()
    const fresh = await peer({ storage: phoneStorage, deviceName: 'phone' })
    const offer = await fresh.createLinkOffer()
    await laptop.linkDevice(offer.code)
    await offer.done
    await fresh.close()
    open.splice(open.indexOf(fresh), 1)
    const phone = await peer({ storage: phoneStorage, deviceName: 'phone' })
    await until(() => laptop.devices().length === 2 && phone.devices().length === 2, 20_000)

    // The phone's room writes wait: the join it applies shows the room, then waits on its first send (the profile).
    phoneStorage.hold()
    const later = await laptop.createRoom('later')
    await until(() => phone.rooms().some(r => r.id === later.id), 20_000)
    const leaving = phone.leaveRoom(later.id)
    phoneStorage.release()
    await leaving
    await until(() => !laptop.rooms().some(r => r.id === later.id), 20_000)
    expect(phone.rooms().some(r => r.id === later.id)).toBe(false)
  }, 60_000)
})
