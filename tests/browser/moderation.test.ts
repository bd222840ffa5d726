import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPair, stopPair } from './support/pair.ts'
import type { AppServer } from './support/app-server.ts'
import { screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'
import { DELIVERY_TIMEOUT_MS, createRoom, inviteLink, messages, send, waitForMessage } from './support/flows.ts'

/** A 1×1 PNG for the room picture. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

// Moderation in two browsers: the creator is owner, promotes Bob, removes his message for everyone, kicks him; the
// members dialog offers only what each role allows, and both see the moderation log.
describe('moderation', () => {
  let relay: AppServer
  let alice: User
  let bob: User

  beforeAll(async () => {
    ;({ relay, alice, bob } = await startPair({ names: ['Alice', 'Bob'] }))
    // Confirmations (kick, remove for everyone) are accepted.
    for (const u of [alice, bob]) u.page.on('dialog', (d) => { void d.accept() })
  })

  afterAll(async () => {
    await stopPair({ relay, alice, bob })
  })

  it('the owner promotes Bob; each sees only the actions their role allows', async () => {
    const a = alice.page
    const b = bob.page
    await createRoom(a, 'Mods')
    await send(a, 'welcome')
    await b.goto(await inviteLink(a))
    await b.getByRole('heading', { name: 'Mods', level: 2 }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await send(b, 'buy cheap watches')
    await waitForMessage(a, 'buy cheap watches')

    await a.getByRole('button', { name: 'Members and roles' }).click()
    const dialogA = a.getByRole('dialog', { name: /Members and roles/ })
    await dialogA.getByText('Bob').first().waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await dialogA.getByText('· Owner').count()).toBe(1)
    expect(await seriousViolations(a)).toEqual([])
    await screenshot(a, 'moderation-members')
    await dialogA.getByRole('combobox', { name: 'New role for Bob' }).selectOption('moderator')
    await dialogA.getByRole('button', { name: 'Set role of Bob' }).click()
    await dialogA.getByText('Bob is now Moderator.').waitFor()
    await dialogA.getByRole('button', { name: 'Close' }).click()

    await b.getByRole('button', { name: 'Members and roles' }).click()
    const dialogB = b.getByRole('dialog', { name: /Members and roles/ })
    await dialogB.getByText('· Moderator').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    // A moderator cannot act on the owner, nor change settings.
    expect(await dialogB.getByRole('button', { name: 'Remove Alice from the room' }).count()).toBe(0)
    expect(await dialogB.getByRole('button', { name: 'Save settings' }).count()).toBe(0)
    await dialogB.getByText('Alice made Bob Moderator').waitFor()
    expect(await seriousViolations(b)).toEqual([])
    await dialogB.getByRole('button', { name: 'Close' }).click()
  })

  it('the owner removes a message for everyone, removes Bob (he reads nothing new), then adds him back', async () => {
    const a = alice.page
    const b = bob.page
    await messages(a).getByText('buy cheap watches').first().hover()
    await a.getByRole('button', { name: 'Remove for everyone (moderator)' }).first().click()
    await messages(b).getByText('Removed by a moderator').first().waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await messages(b).getByText('buy cheap watches').count()).toBe(0)

    await a.getByRole('button', { name: 'Members and roles' }).click()
    const dialogA = a.getByRole('dialog', { name: /Members and roles/ })
    await dialogA.getByRole('button', { name: 'Remove Bob from the room' }).click()
    await dialogA.getByText('Bob was removed; the room has a new key.').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await dialogA.getByText('Alice moved the room to key epoch 1').waitFor()
    expect(await dialogA.getByRole('button', { name: 'Remove Bob from the room' }).count()).toBe(0)
    await screenshot(a, 'moderation-log')
    expect(await seriousViolations(a)).toEqual([])
    await dialogA.getByRole('button', { name: 'Close' }).click()

    // Bob, still in the room, reads the log (sealed in epoch 0) but not what Alice writes next.
    await b.getByRole('button', { name: 'Members and roles' }).click()
    await b.getByRole('dialog', { name: /Members and roles/ }).getByText('Alice removed Bob').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    await b.getByText(/You were removed from this room/).waitFor()
    await send(a, 'only for members now')
    await waitForMessage(a, 'only for members now')
    // A settings change after it (readable by Bob): once Bob sees it, the message before it has reached him too.
    await a.getByRole('button', { name: 'Members and roles' }).click()
    const dialogA2 = a.getByRole('dialog', { name: /Members and roles/ })
    await dialogA2.getByRole('textbox', { name: 'Topic' }).fill('members only')
    await dialogA2.getByLabel('Room picture').setInputFiles({ name: 'room.png', mimeType: 'image/png', buffer: PNG })
    await dialogA2.getByRole('button', { name: 'Save settings' }).click()
    await dialogA2.getByText('Settings saved.').waitFor()
    await b.getByRole('dialog', { name: /Members and roles/ }).getByText(/Alice changed the settings \((topic, avatar|avatar, topic)\)/).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await messages(b).getByText('only for members now').count()).toBe(0)
    expect(await messages(b).getByText('welcome').count()).toBe(1)
    // The room picture is in Alice's header.
    await dialogA2.getByRole('button', { name: 'Close' }).click()
    expect(await a.locator('cs-chat-view header cs-avatar img').first().getAttribute('src')).toMatch(/^data:image\/(png|jpeg|webp);base64,/)

    // Alice adds Bob back: he is granted the current key again and reads what he missed.
    await a.getByRole('button', { name: 'Members and roles' }).click()
    const dialogA3 = a.getByRole('dialog', { name: /Members and roles/ })
    await dialogA3.getByRole('button', { name: 'Add back Bob as a member' }).click()
    await dialogA3.getByText('Bob is a member again.').waitFor({ timeout: DELIVERY_TIMEOUT_MS })
    expect(await seriousViolations(a)).toEqual([])
    await waitForMessage(b, 'only for members now')
  })
})
