import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { createIdentity, createRoom, messages, send, waitForMessage } from './support/flows.ts'
import { failHistoryReadOnNextLoad, roomWithShownTail } from './support/stored-room.ts'

// A room whose stored history cannot be read on this device (a damaged IndexedDB store): the app opens rooms
// tail-first, so the room's last messages still show, and the room says what happened and how to get the history
// back, with sending off (a send would fail), instead of a room that never finishes loading.
describe('a room whose stored history cannot be read', () => {
  let server: AppServer
  let user: User

  beforeAll(async () => {
    server = await startRelay()
    user = await openUser()
  })

  afterAll(async () => {
    await user?.dispose()
    await server?.stop()
  })

  it('shows its last messages, says the history could not be read, and offers no composer', async () => {
    const { page } = user
    await createIdentity(page, server.url, 'Reader')
    await createRoom(page, 'Damaged')
    for (const text of ['first words', 'second words', 'last words']) await send(page, text)
    await waitForMessage(page, 'last words')
    // The app records what a room showed a while after new messages (the early view of the next open).
    await expect.poll(async () => await roomWithShownTail(page), { timeout: 60_000, interval: 500 }).not.toBe(false)
    const roomId = await roomWithShownTail(page) as string
    await failHistoryReadOnNextLoad(page, roomId)
    await page.reload()
    await page.getByRole('button', { name: /Damaged/ }).first().click()
    await page.getByRole('alert').filter({ hasText: 'history on this device could not be read' }).waitFor({ timeout: 30_000 })
    await messages(page).getByText('last words', { exact: true }).waitFor()
    expect(await page.getByRole('textbox', { name: 'Message' }).count()).toBe(0)
    await screenshot(page, 'room-unreadable')
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  }, 120_000)
})
