/**
 * Resolves once the page has had the chance to paint what the caller just rendered (`#after-paint` import condition):
 * after the next animation frame, a task later. Work started then (libp2p's start: a long main-thread task) no longer
 * delays the first paint of the rooms. A hidden page gets no animation frames, so AFTER_PAINT_MAX_MS bounds the wait.
 */
import { AFTER_PAINT_MAX_MS } from '../constants.ts'

export async function afterPaint (): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, AFTER_PAINT_MAX_MS)
    requestAnimationFrame(() => { setTimeout(() => { clearTimeout(timer); resolve() }, 0) })
  })
}
