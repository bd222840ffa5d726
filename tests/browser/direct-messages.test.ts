import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { focused } from './support/focus.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, createRoom, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

// Direct messages in two (then three) browsers: start one from a message, see it in the other's room list, compare
// safety numbers and mark verified, start one from a contact link.
describe('direct messages', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair({ names: ['Alice', 'Bob'] }))
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('Bob starts a DM from a message Alice sent; Alice gets it in her room list with his name', async () => {
    const a = alice.page
    const b = bob.page
    await createRoom(a, 'Club')
    await send(a, 'hi all')
    await b.goto(await inviteLink(a))
    await b.getByRole('heading', { name: 'Club', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await waitForMessage(b, 'hi all')
    await messages(b).getByText('hi all').first().hover()
    await b.getByRole('button', { name: 'Message Alice' }).first().click()
    await b.getByRole('heading', { name: 'Alice', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await b.getByText('Direct conversation').first().waitFor()
    await send(b, 'just between us')
    await waitForMessage(b, 'just between us')

    const dm = a.getByRole('button', { name: /^Bob\W+Direct conversation/ })
    await dm.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await dm.click()
    await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor()
    await waitForMessage(a, 'just between us')
    await send(a, 'sure')
    await waitForMessage(b, 'sure')
    // One conversation: the DM shows up once on each side.
    expect(await a.getByRole('button', { name: /Direct conversation/ }).count()).toBe(1)
    expect(await b.getByRole('button', { name: /Direct conversation/ }).count()).toBe(1)
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'dm-conversation')

    // From the member list of the group room: "Message Bob" leads to the same conversation.
    await a.getByRole('button', { name: /^Club/ }).click()
    await a.getByRole('heading', { name: 'Club', level: 2 }).waitFor()
    await a.getByRole('button', { name: 'People' }).click()
    await a.getByRole('heading', { name: 'People in Club' }).waitFor()
    expect(await seriousViolations(a)).toEqual([])
    await a.getByRole('button', { name: 'Message Bob' }).click()
    await a.getByRole('heading', { name: 'Bob', level: 2 }).waitFor()
    await waitForMessage(a, 'just between us')
    // As when a conversation is started from the room list: ready to type.
    await expect.poll(async () => await focused(a)).toBe('TEXTAREA Message')
  })

  it('both see the same safety number; marking verified shows the mark', async () => {
    const a = alice.page
    const b = bob.page
    await b.getByRole('button', { name: 'Verify' }).click()
    await b.getByRole('heading', { name: 'Verify Alice' }).waitFor()
    await a.getByRole('button', { name: 'Verify' }).click()
    await a.getByRole('heading', { name: 'Verify Bob' }).waitFor()
    const numberOf = async (p: typeof a): Promise<string> => await p.locator('cs-contact-dialog [data-safety-number]').getAttribute('data-safety-number') ?? ''
    const fromAlice = await numberOf(a)
    expect(fromAlice).toMatch(/^(\d{5} ){11}\d{5}$/u)
    expect(await numberOf(b)).toBe(fromAlice)
    await a.getByRole('img', { name: 'QR code of the safety number' }).waitFor()
    expect(await a.getByText('Not verified').count()).toBe(1)
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'dm-verify')
    await a.getByRole('button', { name: 'Mark as verified' }).click()
    await a.getByText('✓ Verified').waitFor()
    await a.getByRole('button', { name: 'Close' }).click()
    await b.getByRole('button', { name: 'Close' }).click()
    await a.getByRole('heading', { name: /Bob\s*✓/u, level: 2 }).waitFor()
    // Verification is local: Bob has not verified Alice.
    expect(await b.getByRole('heading', { name: 'Alice', level: 2, exact: true }).count()).toBe(1)
  })

  it('Carol opens Alice\'s contact link and writes to her; a bad link gets a clear message', async () => {
    const a = alice.page
    await a.getByRole('button', { name: 'Direct message' }).click()
    const box = a.getByRole('textbox', { name: 'Your contact link' })
    await expect.poll(async () => await box.inputValue(), { timeout: DELIVERY_TIMEOUT_MS }).toContain('#/contact/1/')
    const link = await box.inputValue()
    await a.getByRole('img', { name: 'QR code of your contact link' }).waitFor()
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'dm-new-dialog')
    await a.getByRole('button', { name: 'Cancel' }).click()

    const carol = await openUser()
    try {
      const c = carol.page
      await createIdentity(c, relay.url, 'Carol')
      await c.getByRole('button', { name: 'Direct message' }).click()
      await c.getByRole('textbox', { name: 'User id or contact link' }).fill(link.slice(0, -12))
      await c.getByRole('button', { name: 'Start conversation' }).click()
      await c.getByRole('alert').getByText(/Could not start the conversation: contact link/).waitFor()
      await c.getByRole('textbox', { name: 'User id or contact link' }).fill(link)
      await c.getByRole('button', { name: 'Start conversation' }).click()
      await c.getByRole('heading', { name: 'Alice', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
      await send(c, 'found you by your link')
      await a.getByRole('button', { name: /^Carol\W+Direct conversation/ }).click({ timeout: DELIVERY_TIMEOUT_MS })
      await waitForMessage(a, 'found you by your link')
    } finally {
      await carol.dispose()
    }
    // Opening the contact link in the address bar starts the conversation too.
    const dan = await openUser()
    try {
      await createIdentity(dan.page, relay.url, 'Dan')
      await dan.page.goto(link)
      await dan.page.getByRole('heading', { name: 'Alice', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
      expect(dan.page.url()).not.toContain('#/contact/')
    } finally {
      await dan.dispose()
    }
  })
})
