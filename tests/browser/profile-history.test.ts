import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createIdentity, createRoom, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

/** A 1×1 PNG: the avatar picker scales it and stores it as a data URL. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

// Avatars of others, read markers ("Read by", "Seen by") and export/import of a room's history.
describe('profiles, read markers and room history files', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair({ names: ['Alice', 'Bob'] }))
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('an avatar set by Alice is seen by Bob', async () => {
    const a = alice.page
    await a.getByRole('button', { name: 'Profile and settings' }).click()
    await a.getByLabel('Choose image…').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PNG })
    await a.getByRole('button', { name: 'Remove avatar' }).waitFor()
    await a.getByRole('button', { name: 'Save profile' }).click()
    await a.getByText('Saved').first().waitFor()
    await a.getByRole('button', { name: 'Back to rooms' }).click()
    await createRoom(a, 'Trip')
    await send(a, 'hello with a face')
    await bob.page.goto(await inviteLink(a))
    await bob.page.getByRole('heading', { name: 'Trip', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await waitForMessage(bob.page, 'hello with a face')
    const img = messages(bob.page).locator('cs-avatar img').first()
    await img.waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await img.getAttribute('src')).toMatch(/^data:image\/(png|jpeg|webp);base64,/)
    await screenshot(bob.page, 'avatar-of-other')
  })

  it('Bob reading a message makes Alice see it as read', async () => {
    await send(alice.page, 'did you read this?')
    await waitForMessage(bob.page, 'did you read this?')
    // Bob has the room in view: his read marker reaches Alice.
    await messages(alice.page).getByText('Read by Bob').first().waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await messages(alice.page).getByText('Seen by 1').first().waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await seriousViolations(alice.page)).toEqual([])
    await screenshot(alice.page, 'read-markers')
  })

  it('a history file exported by Alice shows the messages in a fresh browser; bad files get a clear message', async () => {
    const a = alice.page
    await a.getByRole('button', { name: 'Profile and settings' }).click()
    await a.getByRole('heading', { name: 'Room history' }).waitFor()
    await a.getByText(/contains the room’s secret key/).waitFor()
    expect(await seriousViolations(a)).toEqual([])
    await a.getByRole('combobox', { name: 'Room' }).selectOption({ label: 'Trip' })
    const [download] = await Promise.all([a.waitForEvent('download'), a.getByRole('button', { name: 'Export room history' }).click()])
    expect(download.suggestedFilename()).toBe('Trip.chatsphere-room')
    const file = await readFile(await download.path())
    await screenshot(a, 'settings-room-history')

    const carol = await openUser()
    try {
      const c = carol.page
      await createIdentity(c, relay.url, 'Carol')
      await c.getByRole('button', { name: 'Profile and settings' }).click()
      const input = c.getByLabel('Import room history')
      await input.setInputFiles({ name: 'junk.chatsphere-room', mimeType: 'application/octet-stream', buffer: Buffer.from('not a history file') })
      await c.getByRole('status').getByText('This file is not a ChatSphere room history file, or it is damaged.').waitFor()
      await input.setInputFiles({ name: 'Trip.chatsphere-room', mimeType: 'application/octet-stream', buffer: file })
      await c.getByRole('status').getByText(/Imported “Trip”: \d+ new messages\./).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
      expect(await seriousViolations(c)).toEqual([])
      await c.getByRole('button', { name: 'Back to rooms' }).click()
      await c.getByRole('button', { name: /Trip/ }).first().click()
      await c.getByRole('heading', { name: 'Trip', level: 2 }).waitFor()
      await waitForMessage(c, 'hello with a face')
      await waitForMessage(c, 'did you read this?')
      await screenshot(c, 'imported-room')
    } finally {
      await carol.dispose()
    }
  })
})
