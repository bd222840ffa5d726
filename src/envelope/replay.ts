import { REPLAY_GUARD_SIZE } from '../constants.ts'
import { ReplayError } from '../errors.ts'

/**
 * Remembers the last `capacity` message ids seen (per room) and refuses repeats. Bounded so a flood of fresh
 * ids cannot grow memory; an id older than the window is caught by the history log, which already holds it.
 */
export class ReplayGuard {
  readonly #capacity: number
  readonly #seen = new Set<string>()

  constructor (capacity: number = REPLAY_GUARD_SIZE) {
    this.#capacity = capacity
  }

  /** True if `id` was seen (does not record it). */
  has (id: Uint8Array): boolean {
    return this.#seen.has(keyOf(id))
  }

  /** Records `id`; throws ReplayError if it was already recorded. */
  check (id: Uint8Array): void {
    const k = keyOf(id)
    if (this.#seen.has(k)) throw new ReplayError('message id already seen (duplicate or replay)')
    this.#seen.add(k)
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.values().next()
      if (oldest.done !== true) this.#seen.delete(oldest.value)
    }
  }

  get size (): number { return this.#seen.size }
}

function keyOf (id: Uint8Array): string {
  let s = ''
  for (let i = 0; i < id.length; i++) s += String.fromCharCode(id[i] as number)
  return s
}
