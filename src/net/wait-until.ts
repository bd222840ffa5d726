/**
 * Resolves true once `check()` holds, tested now and again on each of the named events of `sources`, or false after
 * `timeoutMs`. Listeners and the timer are removed either way. For "wait until X" APIs whose state changes announce
 * themselves by events (a relay connects, a sync completes, a relay confirms it holds a message).
 */
export async function waitUntil (check: () => boolean, timeoutMs: number, sources: Array<[EventTarget, string]>): Promise<boolean> {
  if (check()) return true
  return await new Promise<boolean>(resolve => {
    const onEvent = (): void => { if (check()) done(true) }
    const timer = setTimeout(() => { done(false) }, timeoutMs)
    const done = (v: boolean): void => {
      clearTimeout(timer)
      for (const [target, type] of sources) target.removeEventListener(type, onEvent)
      resolve(v)
    }
    for (const [target, type] of sources) target.addEventListener(type, onEvent)
  })
}

/**
 * Waits for `work` to settle, but at most `timeoutMs`; resolves true if it settled in time (fulfilled or rejected:
 * the caller only bounds how long it waits, `work` goes on either way).
 */
export async function settledWithin (work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<boolean>(resolve => { timer = setTimeout(() => { resolve(false) }, timeoutMs) })
  try {
    return await Promise.race([work.then(() => true, () => true), late])
  } finally {
    clearTimeout(timer)
  }
}
