/**
 * Retries a failed keep request / catch-up sync with one connected relay for one room, soon, instead of waiting for
 * the next KEEP_REFRESH_MS refresh. A relay that just restarted, a partition still healing or a reset stream makes
 * the first attempt after a (re)connect fail; without a retry that room stays behind for up to a minute.
 */
import { RELAY_RETRY_FACTOR, RELAY_RETRY_JITTER, RELAY_RETRY_MAX_MS, RELAY_RETRY_MIN_MS } from '../constants.ts'
import { backoffDelay } from '../net/backoff.ts'

/** One attempt: resolves true when it did its job (or there is nothing left to do), false to ask for a retry. */
export type RelayAttempt = () => Promise<boolean>

export interface RelayRetryInit {
  /** Whether a retry is still worth it (relay connected, room joined, chat open); checked before each retry. */
  wanted: (relay: string, roomId: string) => boolean
  minMs?: number
  maxMs?: number
}

interface Slot {
  inFlight: number
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

/**
 * Per (relay, room) backoff: after a failure one timer is armed (RELAY_RETRY_MIN_MS doubling to RELAY_RETRY_MAX_MS,
 * with jitter so peers do not hit a restarted relay in lockstep); a timer that fires while an attempt is still in
 * flight does nothing, so at most one retry runs at a time and the in-flight attempt's outcome decides what is next.
 * Success, {@link RelayRetry.cancelRelay} and {@link RelayRetry.stop} drop the state.
 */
export class RelayRetry {
  readonly #slots = new Map<string, Slot>()
  readonly #init: RelayRetryInit
  #stopped = false

  constructor (init: RelayRetryInit) {
    this.#init = init
  }

  /** Runs `attempt` now and retries it with backoff while it fails and the pair is still wanted. */
  async run (relay: string, roomId: string, attempt: RelayAttempt): Promise<void> {
    const key = `${relay}/${roomId}`
    let slot = this.#slots.get(key)
    if (slot == null) { slot = { inFlight: 0, failures: 0 }; this.#slots.set(key, slot) }
    slot.inFlight++
    let ok: boolean
    try {
      ok = await attempt()
    } catch {
      ok = false
    } finally {
      slot.inFlight--
    }
    if (this.#slots.get(key) !== slot) return // cancelled meanwhile
    if (ok) {
      if (slot.inFlight === 0) this.#drop(key)
      else slot.failures = 0
      return
    }
    if (this.#stopped || slot.timer != null || !this.#init.wanted(relay, roomId)) {
      if (slot.timer == null && slot.inFlight === 0) this.#drop(key)
      return
    }
    const delay = backoffDelay(slot.failures++, {
      minMs: this.#init.minMs ?? RELAY_RETRY_MIN_MS,
      maxMs: this.#init.maxMs ?? RELAY_RETRY_MAX_MS,
      factor: RELAY_RETRY_FACTOR,
      jitter: RELAY_RETRY_JITTER
    })
    const armed = slot
    armed.timer = setTimeout(() => {
      delete armed.timer
      if (this.#slots.get(key) !== armed || this.#stopped) return
      if (armed.inFlight > 0) return
      if (!this.#init.wanted(relay, roomId)) { this.#drop(key); return }
      void this.run(relay, roomId, attempt)
    }, delay)
    ;(armed.timer as { unref?: () => void }).unref?.()
  }

  /** Pending retries (tests and diagnostics). */
  get pending (): number {
    let n = 0
    for (const s of this.#slots.values()) if (s.timer != null) n++
    return n
  }

  /** The relay disconnected: forget its retries (its next connect starts afresh). */
  cancelRelay (relay: string): void {
    for (const key of [...this.#slots.keys()]) if (key.startsWith(`${relay}/`)) this.#drop(key)
  }

  /** The room was left: forget its retries with every relay. */
  cancelRoom (roomId: string): void {
    for (const key of [...this.#slots.keys()]) if (key.endsWith(`/${roomId}`)) this.#drop(key)
  }

  /** The chat closes: no more retries. */
  stop (): void {
    this.#stopped = true
    for (const key of [...this.#slots.keys()]) this.#drop(key)
  }

  #drop (key: string): void {
    const slot = this.#slots.get(key)
    if (slot?.timer != null) clearTimeout(slot.timer)
    this.#slots.delete(key)
  }
}
