import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

// Unread counts, replies, reactions, edits, deletes, keyboard-only use, phone width and offline start.
describe('messenger details', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    relay = await startRelay()
    ;[alice, bob] = await Promise.all([openUser(), openUser({ viewport: { width: 390, height: 844 } })])
    await Promise.all([createIdentity(alice.page, relay.url, 'Alice'), createIdentity(bob.page, relay.url, 'Bob')])
  })

  afterAll(async () => {
    await alice?.dispose()
    await bob?.dispose()
    await relay?.stop()
  })

  it('creates a room with the keyboard only', async () => {
    const page = alice.page
    const newRoom = page.getByRole('button', { name: 'New room' })
    for (let i = 0; i < 10 && !(await newRoom.evaluate((el) => el.matches(':focus'))); i++) await page.keyboard.press('Tab')
    expect(await newRoom.evaluate((el) => el.matches(':focus-visible'))).toBe(true)
    await page.keyboard.press('Enter')
    await page.getByRole('textbox', { name: 'Room name' }).waitFor()
    await screenshot(page, 'new-room-dialog')
    expect(await seriousViolations(page)).toEqual([])
    await page.keyboard.type('Keyboard room')
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Keyboard room', level: 2 }).waitFor()
  })

  it('at phone width, the invited person sees one pane at a time and unread counts', async () => {
    const link = await inviteLink(alice.page)
    await bob.page.goto(link)
    await bob.page.getByRole('heading', { name: 'Keyboard room', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await screenshot(bob.page, 'phone-chat')
    expect(await seriousViolations(bob.page)).toEqual([])
    await bob.page.getByRole('button', { name: 'Back to rooms' }).click()
    await send(alice.page, 'are you there?')
    await bob.page.getByLabel('1 unread').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await bob.page.title()).toBe('(1) ChatSphere')
    // The room was not in view: a system notification, as plain text.
    await bob.page.waitForFunction(() => (window as unknown as { __notifications: unknown[] }).__notifications.length > 0)
    expect(await bob.page.evaluate(() => (window as unknown as { __notifications: unknown[] }).__notifications))
      .toEqual([{ title: 'Alice in Keyboard room', body: 'are you there?' }])
    await screenshot(bob.page, 'phone-room-list')
    expect(await seriousViolations(bob.page)).toEqual([])
    await bob.page.getByRole('button', { name: /Keyboard room/ }).click()
    await waitForMessage(bob.page, 'are you there?')
    await bob.page.waitForFunction(() => document.title === 'ChatSphere')
  })

  it('an invite opened before having an identity joins right after onboarding', async () => {
    const link = await inviteLink(alice.page)
    const carol = await openUser()
    try {
      await carol.page.goto(link)
      await carol.page.getByText('You were invited to “Keyboard room”').waitFor()
      expect(carol.page.url()).not.toContain('#/join/')
      await carol.page.getByRole('textbox', { name: 'Display name' }).fill('Carol')
      await carol.page.getByRole('button', { name: 'Create identity' }).click()
      await carol.page.getByRole('heading', { name: 'Keyboard room', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
      await waitForMessage(carol.page, 'are you there?')
    } finally {
      await carol.dispose()
    }
  })

  it('replies, reactions, edits and deletes reach the other side', async () => {
    const a = alice.page
    const b = bob.page
    await send(b, 'yes, here')
    await waitForMessage(a, 'yes, here')
    const bobsMessage = messages(a).getByRole('article', { name: /^Bob/ }).filter({ hasText: 'yes, here' })
    await bobsMessage.hover()
    await bobsMessage.getByRole('button', { name: 'Reply' }).click()
    await a.getByText('Replying to Bob').waitFor()
    await send(a, 'great, a reply')
    await bobsMessage.hover()
    await bobsMessage.getByRole('button', { name: 'React' }).click()
    await bobsMessage.getByRole('button', { name: 'Add reaction 👍' }).click()
    await messages(b).getByRole('button', { name: /^👍 1/ }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await waitForMessage(b, 'great, a reply')
    const reply = messages(b).getByRole('article').filter({ hasText: 'great, a reply' })
    expect(await reply.textContent()).toContain('yes, here')

    await send(a, 'typo mesage')
    const mine = messages(a).getByRole('article').filter({ hasText: 'typo mesage' })
    await mine.hover()
    await mine.getByRole('button', { name: 'Edit' }).click()
    await a.getByText('Editing message').waitFor()
    const box = a.getByRole('textbox', { name: 'Message' })
    await box.fill('fixed message')
    await box.press('Enter')
    await messages(b).getByText('fixed message').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await messages(b).getByText('(edited)').first().waitFor()

    await send(a, 'to be removed')
    await waitForMessage(b, 'to be removed')
    const gone = messages(a).getByRole('article').filter({ hasText: 'to be removed' })
    await gone.hover()
    a.once('dialog', (d) => { void d.accept() })
    await gone.getByRole('button', { name: 'Delete' }).click()
    await messages(b).getByText('This message was deleted.').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await screenshot(b, 'phone-chat-features')
    await screenshot(a, 'chat-features')
    expect(await seriousViolations(a)).toEqual([])
    expect(await pageProblems(a)).toEqual({ csp: [], errors: [] })
    expect(await pageProblems(b)).toEqual({ csp: [], errors: [] })
  })

  it('opens offline after the first load (service worker) with the history on the device', async () => {
    const page = alice.page
    await page.evaluate(async () => { await navigator.serviceWorker.ready })
    await alice.context.setOffline(true)
    try {
      await page.reload()
      await page.getByRole('button', { name: 'New room' }).waitFor()
      await page.getByRole('button', { name: /Keyboard room/ }).click()
      await waitForMessage(page, 'fixed message', 10_000)
      await page.getByText('You are offline').waitFor()
      await screenshot(page, 'offline')
    } finally {
      await alice.context.setOffline(false)
    }
  })

  it('keeps a draft per room', async () => {
    const page = alice.page
    await page.getByRole('textbox', { name: 'Message' }).fill('half-written thought')
    await page.getByRole('button', { name: 'New room' }).click()
    await page.getByRole('textbox', { name: 'Room name' }).fill('Second room')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('heading', { name: 'Second room', level: 2 }).waitFor()
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('')
    await page.getByRole('button', { name: /Keyboard room/ }).click()
    await page.getByRole('heading', { name: 'Keyboard room', level: 2 }).waitFor()
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('half-written thought')
  })

  it('leaves a room', async () => {
    const page = alice.page
    await page.getByRole('button', { name: /Second room/ }).click()
    await page.getByRole('heading', { name: 'Second room', level: 2 }).waitFor()
    page.once('dialog', (d) => { void d.accept() })
    await page.getByRole('button', { name: 'Leave room' }).click()
    await page.getByRole('button', { name: /Second room/ }).waitFor({ state: 'detached' })
    await page.getByRole('button', { name: /Keyboard room/ }).waitFor()
  })

  it('switches to Spanish', async () => {
    const page = alice.page
    await page.getByRole('button', { name: /Profile and settings/ }).click()
    await page.getByRole('combobox', { name: 'Language' }).selectOption('es')
    await page.getByRole('heading', { name: 'Perfil y ajustes' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('es')
    await page.getByRole('button', { name: 'Nueva sala' }).waitFor()
    await screenshot(page, 'settings-es')
    expect(await seriousViolations(page)).toEqual([])
  })
})
