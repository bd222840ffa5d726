// What each browser showed when a test failed: a timeout alone ("waiting for X") does not say whether the sender never
// sent, the message never arrived, or it arrived and rendered differently. Printed to the test's output on failure.
import type { TestContext } from 'vitest'
import type { User } from './browser.ts'

const TEXT_TAIL_CHARS = 1500
const LOG_TAIL_LINES = 40

async function visibleText (user: User, selector: string): Promise<string> {
  try {
    const texts = await user.page.locator(selector).allInnerTexts()
    return texts.join(' | ').replace(/\s+/g, ' ').slice(-TEXT_TAIL_CHARS)
  } catch (err) {
    return `(unreadable: ${(err as Error).message.split('\n')[0] ?? ''})`
  }
}

/**
 * The message list's model against what it rendered: a message the backend has but the list did not render (the
 * virtualizer's window, an unpinned view) reads differently from one that never arrived.
 */
async function listState (user: User): Promise<string> {
  try {
    return await user.page.evaluate(() => {
      const list = document.querySelector('cs-app')?.shadowRoot?.querySelector('cs-chat-view')?.shadowRoot?.querySelector('cs-message-list') as
        (HTMLElement & { messages?: Array<{ text?: string, body?: { name?: string } }>, atBottom?: boolean }) | null | undefined
      if (list == null) return '(no message list)'
      const scroller = list.shadowRoot?.querySelector('.scroll')
      const rendered = list.shadowRoot?.querySelectorAll('cs-message').length ?? 0
      const last = (list.messages ?? []).slice(-3).map((m) => m.body?.name ?? m.text ?? '?').join(', ')
      const scroll = scroller == null ? 'no scroller' : `scrollTop ${Math.round(scroller.scrollTop)} of ${scroller.scrollHeight} (view ${scroller.clientHeight})`
      return `${list.messages?.length ?? 0} messages in the model (last: ${last}), ${rendered} rendered, atBottom ${String(list.atBottom)}, ${scroll}`
    })
  } catch (err) {
    return `(unreadable: ${(err as Error).message.split('\n')[0] ?? ''})`
  }
}

/** A readable snapshot of each user's page: messages, status lines, alerts, connection banner and console tail. */
export async function describeUsers (users: Record<string, User>): Promise<string> {
  const parts: string[] = []
  for (const [name, user] of Object.entries(users)) {
    parts.push(`── ${name} (${user.page.url()})`)
    parts.push(`messages: ${await visibleText(user, '[role=region][aria-label="Messages"]')}`)
    parts.push(`status: ${await visibleText(user, '[role=status]')}`)
    parts.push(`alerts: ${await visibleText(user, '[role=alert]')}`)
    parts.push(`connections: ${await visibleText(user, 'cs-connection-banner')}`)
    parts.push(`list: ${await listState(user)}`)
    parts.push(`console (last ${LOG_TAIL_LINES}):`, ...user.logs.slice(-LOG_TAIL_LINES).map((l) => `  ${l}`))
  }
  return parts.join('\n')
}

/** Use in a beforeEach: if the test fails, what each user saw is printed with the failure. */
export function describeUsersOnFailure (ctx: TestContext, users: () => Record<string, User>): void {
  ctx.onTestFailed(async () => {
    process.stdout.write(`\n[diagnose] state of the browsers when the test failed:\n${await describeUsers(users())}\n`)
  })
}
