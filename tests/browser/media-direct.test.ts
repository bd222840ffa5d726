import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, createRoom, inviteLink, waitForMessage } from './support/flows.ts'
import { allowLoopbackWebRTC } from './support/media.ts'

// Two browsers in a room upgrade from the relay to a direct WebRTC connection by themselves; the banner says so.
describe('direct WebRTC between two browsers', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair())
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('the banner shows the other member on a direct WebRTC path', async () => {
    await Promise.all([createIdentity(alice.page, relay.url, 'Alice'), createIdentity(bob.page, relay.url, 'Bob')])
    await Promise.all([allowLoopbackWebRTC(alice.page), allowLoopbackWebRTC(bob.page)])
    await createRoom(alice.page, 'Direct')
    const link = await inviteLink(alice.page)
    await bob.page.goto(link)
    await bob.page.getByRole('heading', { name: 'Direct', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    const peerAtAlice = alice.page.locator('cs-connection-banner li[data-transport="webrtc"]')
    const peerAtBob = bob.page.locator('cs-connection-banner li[data-transport="webrtc"]')
    await peerAtAlice.waitFor({ timeout: 45_000 })
    await peerAtBob.waitFor({ timeout: 45_000 })
    expect(await peerAtAlice.textContent()).toContain('Bob: direct (WebRTC)')
  }, 120_000)

  it('ICE servers are set in the settings (none by default), malformed lines dropped', async () => {
    const page = alice.page
    await page.getByRole('button', { name: 'Profile and settings' }).click()
    const box = page.getByRole('textbox', { name: 'ICE servers (STUN/TURN)' })
    expect(await box.inputValue()).toBe('')
    await box.fill('stun:stun.example.org:3478\nturn:turn.example.org:3478 alice secret\nhttp://not-ice')
    await page.getByRole('button', { name: 'Save ICE servers' }).click()
    const saved = await page.evaluate(() => (JSON.parse(localStorage.getItem('chatsphere:settings') ?? '{}') as { iceServers?: string[] }).iceServers)
    expect(saved).toEqual(['stun:stun.example.org:3478', 'turn:turn.example.org:3478 alice secret'])
    // Direct connections are on by default and can be turned off (then this device's IP stays hidden from members).
    const direct = page.getByRole('checkbox', { name: 'Direct connections to people in my rooms' })
    expect(await direct.isChecked()).toBe(true)
    await direct.uncheck()
    expect(await page.evaluate(() => (JSON.parse(localStorage.getItem('chatsphere:settings') ?? '{}') as { directConnections?: boolean }).directConnections)).toBe(false)
    expect(await seriousViolations(page)).toEqual([])
  }, 60_000)

  it('with direct connections off, the app runs without WebRTC and messages still flow through the relay', async () => {
    await alice.page.reload()
    await alice.page.getByRole('button', { name: /Direct/ }).first().click()
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('through the relay only')
    await bob.page.getByRole('textbox', { name: 'Message' }).press('Enter')
    await waitForMessage(alice.page, 'through the relay only')
    expect(await alice.page.locator('cs-connection-banner li[data-transport="webrtc"]').count()).toBe(0)
  }, 60_000)
})
