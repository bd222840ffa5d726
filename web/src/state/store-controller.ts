import type { ReactiveController, ReactiveControllerHost } from 'lit'

/** Re-renders its host whenever `target` dispatches one of `events`; listens only while connected. */
export class EventController implements ReactiveController {
  readonly #host: ReactiveControllerHost
  readonly #events: string[]
  readonly #onEvent: (e: Event) => void
  #target: EventTarget | undefined

  constructor (host: ReactiveControllerHost, events: string[], onEvent?: (e: Event) => void) {
    this.#host = host
    this.#events = events
    this.#onEvent = onEvent ?? (() => { host.requestUpdate() })
    host.addController(this)
  }

  /** Changes what is listened to (a new store, another room). */
  set target (target: EventTarget | undefined) {
    if (target === this.#target) return
    this.#detach()
    this.#target = target
    if ((this.#host as unknown as { isConnected?: boolean }).isConnected === true) this.#attach()
  }

  hostConnected (): void { this.#attach() }
  hostDisconnected (): void { this.#detach() }

  #attach (): void {
    for (const e of this.#events) this.#target?.addEventListener(e, this.#onEvent)
  }

  #detach (): void {
    for (const e of this.#events) this.#target?.removeEventListener(e, this.#onEvent)
  }
}
