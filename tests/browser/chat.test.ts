import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, createRoom, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

// Two people in two browser profiles, a real relay process serving the app: the scenario of issue 5.
describe('two browsers chat through a real relay', () => {
  let relay: AppServer
  let alice: User
  let bob: User
  let link = ''

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair())
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('each creates an identity; Alice creates a room and copies its invite', async () => {
    await Promise.all([createIdentity(alice.page, relay.url, 'Alice'), createIdentity(bob.page, relay.url, 'Bob')])
    await screenshot(alice.page, 'room-list-empty')
    expect(await seriousViolations(alice.page)).toEqual([])
    await createRoom(alice.page, 'Project X')
    link = await inviteLink(alice.page)
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/join\//)
    expect(await alice.page.evaluate(async () => await navigator.clipboard.readText())).toBe(link)
  })

  it('the invite dialog shows the link and a QR code and passes axe', async () => {
    await alice.page.getByRole('button', { name: 'Invite' }).click()
    await alice.page.getByRole('img', { name: 'QR code of the invite link' }).waitFor()
    await screenshot(alice.page, 'invite-dialog')
    expect(await seriousViolations(alice.page)).toEqual([])
    await alice.page.getByRole('button', { name: 'Close' }).click()
  })

  it('Bob opens the invite link and joins the room', async () => {
    await bob.page.goto(link)
    await bob.page.getByRole('heading', { name: 'Project X', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    // The secret does not stay in the address bar.
    expect(bob.page.url()).not.toContain('#/join/')
  })

  it('they exchange messages both ways', async () => {
    await send(alice.page, 'Hello **Bob**, welcome!')
    await waitForMessage(bob.page, 'welcome!')
    await expect(messages(bob.page).locator('strong').filter({ hasText: 'Bob' }).count()).resolves.toBeGreaterThan(0)
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Hi Alice, glad to be here')
    await bob.page.getByRole('button', { name: 'Send' }).click()
    await waitForMessage(alice.page, 'glad to be here')
    await screenshot(alice.page, 'chat-view')
    await screenshot(bob.page, 'chat-view-bob')
    expect(await seriousViolations(alice.page)).toEqual([])
  })

  it('typing and presence are seen', async () => {
    await bob.page.getByRole('textbox', { name: 'Message' }).pressSequentially('I am writing')
    await alice.page.getByText('Bob is typing…').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('')
    await alice.page.getByText('2 online').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
  })

  it('a reload keeps the history (IndexedDB)', async () => {
    await bob.page.reload()
    await bob.page.getByRole('button', { name: /Project X/ }).click()
    await waitForMessage(bob.page, 'welcome!', 10_000)
    await waitForMessage(bob.page, 'glad to be here', 10_000)
  })

  it('a message sent while offline is delivered when the connection is back', async () => {
    await bob.context.setOffline(true)
    await send(bob.page, 'written while offline')
    await waitForMessage(bob.page, 'written while offline', 5_000)
    await bob.context.setOffline(false)
    await waitForMessage(alice.page, 'written while offline', 60_000)
  })

  it('a browser that was closed gets what arrived meanwhile on its next open (through the relay)', async () => {
    const profileDir = bob.profileDir
    await bob.close()
    await send(alice.page, 'while you were away')
    await alice.page.getByText('Held by relay').last().waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    bob = await openUser({ profileDir })
    await bob.page.goto(relay.url)
    await bob.page.getByRole('button', { name: /Project X/ }).click()
    await waitForMessage(bob.page, 'while you were away', 60_000)
  })

  it('search, settings and the room list pass axe', async () => {
    const page = alice.page
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('searchbox', { name: 'Search' }).fill('welcome')
    await page.getByRole('region', { name: 'Search results' }).getByText('welcome', { exact: false }).first().waitFor()
    await screenshot(page, 'search')
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Profile and settings' }).click()
    await page.getByRole('heading', { name: 'Profile and settings' }).waitFor()
    await screenshot(page, 'settings')
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Show recovery words' }).click()
    await page.getByRole('list', { name: 'Recovery words' }).waitFor()
    await expect(page.getByRole('list', { name: 'Recovery words' }).getByRole('listitem').count()).resolves.toBe(24)
    await page.getByRole('radio', { name: 'Dark' }).check()
    await screenshot(page, 'settings-dark')
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('combobox', { name: 'Language' }).selectOption('es')
    await page.getByRole('heading', { name: 'Perfil y ajustes' }).waitFor()
    await page.getByRole('combobox', { name: 'Idioma' }).selectOption('en')
    await page.getByRole('radio', { name: 'Follow system' }).check()
    expect(await pageProblems(alice.page)).toEqual({ csp: [], errors: [] })
    expect(await pageProblems(bob.page)).toEqual({ csp: [], errors: [] })
  })
})
