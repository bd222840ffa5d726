// Chromium can delete an origin's whole IndexedDB store at a startup after a crash (src/storage/rescue-copy.ts,
// THREAT_MODEL.md): the identity, the rooms and messages sent offline come back from the rescue copy in Cache Storage. Two ways the store
// goes: its folder deleted between two launches, and the real mechanism (a torn LevelDB log record, injected as the
// 7 bytes of a header without payload, then one more write and a restart).
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelay } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { createIdentity, createRoom, messages, send, waitForMessage } from './support/flows.ts'
import { indexedDbStores } from './support/leveldb-tail.ts'
import { deviceSeedHex } from './support/device-seed.ts'
import type { Page } from 'playwright-core'

const ROOM = 'Rescue room'

/** Waits until both rescue copies hold what the test checks: the device copy and the room list with ROOM. */
async function rescueWritten (page: Page): Promise<void> {
  await page.waitForFunction(async (room) => {
    if (!await caches.has('chatsphere-rescue')) return false
    const cache = await caches.open('chatsphere-rescue')
    const has = async (name: string, text: string): Promise<boolean> => {
      for (const slot of [0, 1]) {
        const res = await cache.match(`/.chatsphere-rescue/${name}/${slot}`)
        if (res !== undefined && new TextDecoder().decode(await res.arrayBuffer()).includes(text)) return true
      }
      return false
    }
    return await has('device', 'identity-seed') && await has('storage-chatsphere', room)
  }, ROOM, { timeout: 30_000, polling: 100 })
}

async function roomListed (page: Page): Promise<void> {
  await page.getByRole('button', { name: new RegExp(ROOM) }).waitFor({ timeout: 30_000 })
}

describe('IndexedDB store lost after a crash', () => {
  let relay: AppServer
  let user: User | undefined
  let profileDir: string
  let seed: string

  beforeAll(async () => {
    relay = await startRelay()
    user = await openUser()
    profileDir = user.profileDir
    await createIdentity(user.page, relay.url, 'Rescued')
    await createRoom(user.page, ROOM)
    seed = await deviceSeedHex(user.page)
    await rescueWritten(user.page)
    await user.close()
  }, 120_000)

  afterAll(async () => {
    await user?.dispose()
    await relay?.stop()
  })

  const relaunch = async (args: string[] = []): Promise<User> => {
    user = await openUser({ profileDir, args })
    await user.page.goto(relay.url)
    return user
  }

  it('the IndexedDB folder deleted between launches: same identity, the room is listed', async () => {
    rmSync(join(profileDir, 'Default', 'IndexedDB'), { recursive: true, force: true })
    const u = await relaunch()
    await roomListed(u.page)
    expect(await deviceSeedHex(u.page)).toBe(seed)
    expect((await pageProblems(u.page)).errors).toEqual([])
    await u.close()
  }, 120_000)

  it('Chromium deleting the store after a torn log record: same identity, the room, its synced history and a message sent offline come back', async () => {
    // The torn record: a header (checksum, length 64, type FULL) whose payload was never written.
    const [store] = indexedDbStores(profileDir)
    expect(store).toBeDefined()
    const log = readdirSync(store as string).filter(n => /^\d+\.log$/.test(n)).sort().pop()
    expect(log).toBeDefined()
    appendFileSync(join(store as string, log as string), Buffer.from([0x11, 0x22, 0x33, 0x44, 0x40, 0x00, 0x01]))
    // This launch reads the store (LevelDB drops the torn tail) and appends after the torn header: a sent message.
    let u = await relaunch()
    await roomListed(u.page)
    await u.page.getByRole('button', { name: new RegExp(ROOM) }).click()
    await send(u.page, 'after the torn record')
    await waitForMessage(u.page, 'after the torn record')
    // Held by the relay before the browser closes, so it can come back into the restored room.
    await messages(u.page).getByText('Held by relay').first().waitFor({ timeout: 30_000 })
    // And one sent offline: acknowledged ("Saved on this device"), on no relay, only in this browser.
    await u.context.setOffline(true)
    await send(u.page, 'sent offline before the deletion')
    await waitForMessage(u.page, 'sent offline before the deletion')
    await messages(u.page).getByText('Saved on this device').first().waitFor({ timeout: 30_000 })
    await u.close()
    // The next launch finds the checksum mismatch, and Chromium deletes the store.
    const chromeLog = `${profileDir}.chrome.log`
    u = await relaunch(['--enable-logging', `--log-file=${chromeLog}`])
    await roomListed(u.page)
    // Chromium's own account that it found the store corrupt and deleted it.
    const said = existsSync(chromeLog) ? readFileSync(chromeLog, 'utf8') : ''
    rmSync(chromeLog, { force: true })
    expect(said, 'Chromium did not report deleting the store').toMatch(/checksum mismatch|recovering from a corrupted/)
    expect(await deviceSeedHex(u.page)).toBe(seed)
    // The message was on the relay: it comes back into the restored room.
    await u.page.getByRole('button', { name: new RegExp(ROOM) }).click()
    await waitForMessage(u.page, 'after the torn record')
    // The offline one came back from the rescue journal (no relay had it).
    await waitForMessage(u.page, 'sent offline before the deletion')
    expect((await pageProblems(u.page)).errors).toEqual([])
  }, 180_000)
})
