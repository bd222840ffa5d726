/**
 * Polls `check` until it holds, or throws after `timeoutMs`: for state that has no event to wait on (counters, lists
 * filled by background work). A wait for a condition, never a sleep that hopes.
 */
export async function until (check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not met in ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}
