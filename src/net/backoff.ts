import { RECONNECT_FACTOR, RECONNECT_JITTER, RECONNECT_MAX_MS, RECONNECT_MIN_MS } from '../constants.ts'

/** Exponential backoff options; every field defaults to the RECONNECT_* constants. */
export interface BackoffInit {
  minMs?: number
  maxMs?: number
  factor?: number
  /** Fraction of the delay added or removed at random, so many peers do not retry in lockstep after a relay restart. */
  jitter?: number
}

/** Delay before retry number `attempt` (0-based). */
export function backoffDelay (attempt: number, init: BackoffInit = {}, random: () => number = Math.random): number {
  const min = init.minMs ?? RECONNECT_MIN_MS
  const max = init.maxMs ?? RECONNECT_MAX_MS
  const base = Math.min(max, min * Math.pow(init.factor ?? RECONNECT_FACTOR, Math.min(attempt, 32)))
  const jitter = init.jitter ?? RECONNECT_JITTER
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random() - 1))))
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export async function sleep (ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return
  await new Promise<void>(resolve => {
    const timer = setTimeout(done, ms)
    function done (): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
