import type { ComponentLogger, Logger, PeerId } from '@libp2p/interface'

/**
 * Browser build stand-in for `@libp2p/logger` (aliased in web/vite.config.ts). In a browser, libp2p's loggers
 * print only when a developer sets `localStorage.debug`; the web app never does, so every logger is the disabled
 * one that `@libp2p/logger` itself returns in that case. Every call site stays (nothing is removed from libp2p's
 * code, unlike an earlier attempt that dropped the calls), only the `weald`/`ms` formatting code is left out.
 * The Node peer, relay and CLI keep the real logger.
 */
function disabled (namespace: string): Logger {
  const log = Object.assign(() => {}, {
    enabled: false,
    namespace,
    color: '',
    diff: 0,
    log: () => {},
    destroy: () => true,
    useColors: () => false
  })
  const self: Logger = Object.assign(log, {
    error: Object.assign(() => {}, { enabled: false }),
    trace: Object.assign(() => {}, { enabled: false }),
    newScope: (scope: string) => disabled(`${namespace}:${scope}`),
    extend: () => self
  }) as unknown as Logger
  return self
}

/** Same signature as `@libp2p/logger`'s `logger`; always disabled. */
export function logger (name: string): Logger {
  return disabled(name)
}

/** Same signature as `@libp2p/logger`'s `defaultLogger`; always disabled. */
export function defaultLogger (): ComponentLogger {
  return { forComponent: (name: string) => disabled(name) }
}

/** Same signature as `@libp2p/logger`'s `prefixLogger`; always disabled. */
export function prefixLogger (prefix: string): ComponentLogger {
  return { forComponent: (name: string) => disabled(`${prefix}:${name}`) }
}

/** Same signature as `@libp2p/logger`'s `peerLogger`; always disabled. */
export function peerLogger (peerId: PeerId): ComponentLogger {
  return prefixLogger(peerId.toString())
}

/** No-ops: there is no debug output to turn on in the web build. */
export function enable (): void {}
export function disable (): void {}
export function enabled (): boolean { return false }
