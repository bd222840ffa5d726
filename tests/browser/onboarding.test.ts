import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identityFromSeed } from '../../src/identity/identity.ts'
import { seedToMnemonic } from '../../src/identity/mnemonic.ts'
import { startApp } from './support/app-server.ts'
import type { AppServer } from './support/app-server.ts'
import { openUser, pageProblems, screenshot } from './support/browser.ts'
import type { User } from './support/browser.ts'
import { seriousViolations } from './support/axe.ts'

describe('onboarding', () => {
  let server: AppServer
  let user: User

  beforeAll(async () => {
    server = await startApp()
    user = await openUser()
  })

  afterAll(async () => {
    await user?.dispose()
    await server?.stop()
  })

  it('shows the welcome screen with an honest explanation and no serious accessibility problems', async () => {
    const { page } = user
    await page.goto(server.url)
    await page.getByRole('button', { name: 'Create identity' }).waitFor()
    await expect(page.getByRole('textbox', { name: 'Display name' }).isVisible()).resolves.toBe(true)
    await expect(page.getByText('Your identity lives on this device').isVisible()).resolves.toBe(true)
    await screenshot(page, 'onboarding')
    expect(await seriousViolations(page)).toEqual([])
    await page.getByRole('button', { name: 'Restore identity' }).click()
    await page.getByRole('textbox', { name: 'Recovery words' }).waitFor()
    await screenshot(page, 'onboarding-restore')
    expect(await seriousViolations(page)).toEqual([])
    expect(await pageProblems(page)).toEqual({ csp: [], errors: [] })
  })

  it('asks for a display name before creating', async () => {
    const { page } = user
    await page.getByRole('button', { name: 'Create identity' }).click()
    await page.getByRole('alert').filter({ hasText: 'Please enter a display name.' }).waitFor()
  })

  it('refuses recovery words that are not a valid phrase', async () => {
    const { page } = user
    await page.getByRole('textbox', { name: 'Display name' }).fill('Ana')
    await page.getByRole('textbox', { name: 'Recovery words' }).fill('apple banana cherry')
    await page.getByRole('button', { name: 'Restore from words' }).click()
    await page.getByRole('alert').filter({ hasText: 'not a valid recovery phrase' }).waitFor()
  })

  it('restores the identity of 24 valid words and keeps it on this device', async () => {
    const { page } = user
    const seed = new Uint8Array(32).map((_, i) => i * 7 + 1)
    const expected = identityFromSeed(seed).userId
    await page.getByRole('textbox', { name: 'Recovery words' }).fill(seedToMnemonic(seed))
    await page.getByRole('button', { name: 'Restore from words' }).click()
    await page.getByRole('button', { name: 'Create identity' }).waitFor({ state: 'detached' })
    // The seed is in this device's IndexedDB; the user id derived from it is the expected one.
    const stored = await page.evaluate(async () => await new Promise<number[]>((resolve, reject) => {
      const req = indexedDB.open('chatsphere-device', 1)
      req.onsuccess = () => {
        const get = req.result.transaction('kv').objectStore('kv').get('identity-seed')
        get.onsuccess = () => { resolve([...(get.result as Uint8Array)]) }
        get.onerror = () => { reject(get.error) }
      }
      req.onerror = () => { reject(req.error) }
    }))
    expect(identityFromSeed(Uint8Array.from(stored)).userId).toBe(expected)
  })
})
