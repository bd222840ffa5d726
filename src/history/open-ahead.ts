/**
 * Starts asynchronous work for the next items of a list before the current one is consumed, in groups, so that
 * work started together runs together (signature checks asked for in the same tick are batched and shared with
 * worker threads, see `#verify-batch`), while the caller still takes the results one by one, in list order.
 */
import { OPEN_AHEAD_WINDOW } from '../constants.ts'

/**
 * Yields `[item, start(item)]` in list order. `start` is called for up to `window` items ahead of the consumer,
 * refilled half a window at a time (each refill is one synchronous burst of calls, hence one batch). A promise
 * `start` returns is consumed by the caller; its rejection is not reported as unhandled while it waits in line.
 * `start` may return undefined for an item to skip work, or null for an item the caller does itself when it takes it
 * (synchronous work, no promise per item); both are yielded as they are.
 */
export function * openAhead<T, R> (items: readonly T[], start: (item: T) => Promise<R> | null | undefined, window = OPEN_AHEAD_WINDOW): Generator<[T, Promise<R> | null | undefined]> {
  const queue: Array<[T, Promise<R> | null | undefined]> = []
  let next = 0
  const low = Math.max(1, window >> 1)
  while (next < items.length || queue.length > 0) {
    if (queue.length < low) {
      while (queue.length < window && next < items.length) {
        const item = items[next++] as T
        const p = start(item)
        p?.catch(() => {})
        queue.push([item, p])
      }
    }
    yield queue.shift() as [T, Promise<R> | null | undefined]
  }
}
