// User flows shared by the browser tests and the browser benchmarks, written against roles and accessible names.
import type { Locator, Page } from 'playwright-core'

/** Default wait for something a peer has to deliver. */
export const DELIVERY_TIMEOUT_MS = 30_000

export async function createIdentity (page: Page, url: string, name: string): Promise<void> {
  await page.goto(url)
  await page.getByRole('textbox', { name: 'Display name' }).fill(name)
  await page.getByRole('button', { name: 'Create identity' }).click()
  await page.getByRole('button', { name: 'New room' }).waitFor({ timeout: DELIVERY_TIMEOUT_MS })
}

export async function createRoom (page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New room' }).click()
  await page.getByRole('textbox', { name: 'Room name' }).fill(name)
  await page.getByRole('button', { name: 'Create', exact: true }).click()
  await page.getByRole('heading', { name, level: 2 }).waitFor()
}

/** Opens the invite dialog of the room in view, returns the link, and closes the dialog. */
export async function inviteLink (page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Invite' }).click()
  const box = page.getByRole('textbox', { name: 'Invite link' })
  await box.waitFor()
  const link = await box.inputValue()
  await page.getByRole('button', { name: 'Copy invite link' }).click()
  await page.getByRole('button', { name: 'Close' }).click()
  return link
}

export function messages (page: Page): Locator {
  return page.getByRole('region', { name: 'Messages' })
}

export async function send (page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' })
  await box.fill(text)
  await box.press('Enter')
}

export async function waitForMessage (page: Page, text: string, timeout = DELIVERY_TIMEOUT_MS): Promise<void> {
  await messages(page).getByText(text, { exact: false }).first().waitFor({ timeout })
}
