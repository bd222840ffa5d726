import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, createRoom, send, waitForMessage } from './support/flows.ts'
import type { Page } from 'playwright-core'

async function openDevices (page: Page): Promise<void> {
  await page.getByRole('button', { name: /Profile and settings/ }).click()
  await page.getByRole('heading', { name: 'Linked devices', level: 2 }).waitFor()
}

// Linked devices in two browsers: the second browser, from onboarding, shows a link code; the first enters it in its
// settings; the second reloads as the first's identity with its rooms and history; messages go both ways; the first
// revokes the second.
describe('linked devices', () => {
  let relay: AppServer
  let laptop: User
  let phone: User

  beforeAll(async () => {
    ;({ relay, alice: laptop, bob: phone } = await startPair())
    await createIdentity(laptop.page, relay.url, 'Alice')
  })

  afterAll(async () => {
    await stopPair({ relay, alice: laptop, bob: phone })
  })

  it('links the phone browser with a code; it restarts as Alice with her room and history', async () => {
    const a = laptop.page
    const p = phone.page
    await createRoom(a, 'Club')
    await send(a, 'hello from the laptop')
    await waitForMessage(a, 'hello from the laptop')

    // The phone starts from onboarding: "link to a device I already use" shows its code at once.
    await p.goto(relay.url)
    await p.getByRole('button', { name: 'Restore identity' }).click()
    await p.getByRole('button', { name: 'Link to a device I already use' }).click()
    await p.getByRole('heading', { name: 'Linked devices', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    const codeBox = p.getByRole('textbox', { name: 'Link code', exact: true })
    await codeBox.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    const code = await codeBox.inputValue()
    expect(code).toMatch(/^csl1\./u)
    await p.getByRole('img', { name: 'QR code to link this browser' }).waitFor()
    expect(await seriousViolations(p)).toEqual([])
    await screenshot(p, 'devices-offer')

    await openDevices(a)
    await a.getByRole('textbox', { name: 'Link code of the new device' }).fill(code)
    await a.getByRole('button', { name: 'Link device' }).click()
    await a.getByText(/is linked\. Your rooms and history reach it/u).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    const list = a.getByRole('list', { name: 'Your devices' })
    expect(await list.getByRole('listitem').count()).toBe(2)
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'devices-linked')

    // The phone restarts as Alice: her room, her history.
    try {
      await p.getByRole('button', { name: /Club/ }).first().click({ timeout: DELIVERY_TIMEOUT_MS })
    } catch (err) {
      console.log('PHONE LOGS', phone.logs.slice(-30).join('\n'))
      console.log('PHONE TEXT', await p.evaluate(() => document.body.innerText))
      await screenshot(p, 'devices-phone-fail')
      throw err
    }
    await p.getByRole('heading', { name: 'Club', level: 2 }).waitFor()
    await waitForMessage(p, 'hello from the laptop')
    await send(p, 'hi from the phone')
    await a.getByRole('button', { name: 'Back to rooms' }).click()
    await a.getByRole('button', { name: /Club/ }).first().click()
    await waitForMessage(a, 'hi from the phone')
  })

  it('the laptop revokes the phone; the phone sees that it is revoked', async () => {
    const a = laptop.page
    const p = phone.page
    await openDevices(a)
    const revoke = a.getByRole('button', { name: /^Revoke / })
    await revoke.click()
    await a.getByRole('button', { name: 'Revoke device' }).click()
    await a.getByText(/is revoked/u).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await a.getByText('Revoked', { exact: true }).waitFor()
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'devices-revoked')

    await openDevices(p)
    const mine = p.getByRole('listitem').filter({ hasText: 'This device' })
    await mine.getByText('Revoked', { exact: true }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await p.getByRole('alert').filter({ hasText: 'This device was revoked' }).waitFor()
    expect(await seriousViolations(p)).toEqual([])
  })
})
