/**
 * Waits, on every animation frame inside the page, until an element appears: a benchmark's "the screen is there"
 * without Playwright's retry backoff. Playwright polls a locator after 0, 20, 50, 100, 100, then every 500 ms, so a
 * screen that appears 280 ms into a wait is seen at 770 ms; a P11 run has four such waits, and the trace showed the
 * driver's waiting weighing more than the page. The page is searched through open shadow roots (every Lit element).
 * Only what the benchmarks need: a control by role and accessible name, or a text inside a labelled region.
 */
import type { Page } from 'playwright-core'

export type Target =
  | { role: 'textbox' | 'button', name: string }
  | { region: string, text: string }

/**
 * Resolves once `target` is in the page (rendered and connected) with the page's clock then (`performance.now()`, ms
 * since its navigation started); rejects after `timeoutMs`.
 */
export async function appeared (page: Page, target: Target, timeoutMs = 30_000): Promise<number> {
  const found = await page.waitForFunction((t) => {
    const all: Element[] = []
    const walk = (root: Document | ShadowRoot): void => {
      for (const el of root.querySelectorAll('*')) {
        all.push(el)
        if (el.shadowRoot !== null) walk(el.shadowRoot)
      }
    }
    walk(document)
    const visible = (el: Element): boolean => (el as HTMLElement).offsetParent !== null || el.getClientRects().length > 0
    if ('region' in t) {
      const region = all.find(el => el.getAttribute('aria-label') === t.region)
      if (region === undefined) return false
      const inside: Element[] = [region]
      const collect = (root: Element | ShadowRoot): void => {
        for (const el of root.querySelectorAll('*')) {
          inside.push(el)
          if (el.shadowRoot !== null) collect(el.shadowRoot)
        }
      }
      collect(region)
      const shown = inside.some(el => [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent?.includes(t.text) === true) && visible(el))
      return shown ? performance.now() : false
    }
    const nameOf = (el: Element): string => {
      const label = el.getAttribute('aria-label')
      if (label !== null) return label.trim()
      const labels = (el as HTMLInputElement).labels
      if (labels != null && labels.length > 0) return [...labels].map(l => l.textContent ?? '').join(' ').trim()
      return (el.textContent ?? '').trim()
    }
    const isRole = (el: Element): boolean => t.role === 'button'
      ? el.localName === 'button' || el.getAttribute('role') === 'button'
      : el.localName === 'textarea' || (el.localName === 'input' && ['text', 'search', ''].includes((el as HTMLInputElement).type)) || el.getAttribute('role') === 'textbox'
    const ready = all.some(el => isRole(el) && nameOf(el) === t.name && visible(el) && !(el as HTMLButtonElement).disabled)
    return ready ? performance.now() : false
  }, target, { polling: 'raf', timeout: timeoutMs })
  return await found.jsonValue() as number
}
