/**
 * Resolves once whatever the caller just made visible can be shown (`#after-paint` import condition). In Node there is
 * nothing to paint: a later task. src/chat/after-paint.browser.ts waits for the next frame.
 */
export async function afterPaint (): Promise<void> {
  await new Promise<void>(resolve => { setImmediate(resolve) })
}
