import type { Page } from 'playwright-core'

/** The focused element, inside shadow roots: its tag and accessible label or text (BODY when focus was lost). */
export async function focused (page: Page): Promise<string> {
  return await page.evaluate(() => {
    let e: Element | null = document.activeElement
    while (e?.shadowRoot?.activeElement != null) e = e.shadowRoot.activeElement
    if (e === null || e === document.body) return 'BODY'
    return `${e.tagName} ${e.getAttribute('aria-label') ?? (e.textContent ?? '').trim()}`
  })
}
