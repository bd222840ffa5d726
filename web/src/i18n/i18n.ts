import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { en } from './en.ts'
import type { MessageKey } from './en.ts'
import { es } from './es.ts'

/** Languages the app ships. */
export const LOCALES = ['en', 'es'] as const
export type Locale = typeof LOCALES[number]

const catalogs: Record<Locale, Record<MessageKey, string>> = { en, es }
let current: Locale = 'en'
const changes = new EventTarget()

/** The first supported language in the browser's preference list, else English. */
export function localeFromNavigator (languages: readonly string[]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0]
    if ((LOCALES as readonly string[]).includes(base ?? '')) return base as Locale
  }
  return 'en'
}

export function getLocale (): Locale { return current }

/** Switches the language of every connected element (they re-render through `LocaleController`). */
export function setLocale (locale: Locale): void {
  if (locale === current) return
  current = locale
  document.documentElement.lang = locale
  changes.dispatchEvent(new Event('change'))
}

/** Translates `key`, filling `{name}` placeholders from `params`. Never returns HTML. */
export function t (key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogs[current][key] ?? en[key]
  if (params === undefined) return text
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => name in params ? String(params[name]) : whole)
}

/** Re-renders its host when the language changes. */
export class LocaleController implements ReactiveController {
  readonly #host: ReactiveControllerHost
  readonly #onChange = (): void => { this.#host.requestUpdate() }
  constructor (host: ReactiveControllerHost) {
    this.#host = host
    host.addController(this)
  }

  hostConnected (): void { changes.addEventListener('change', this.#onChange) }
  hostDisconnected (): void { changes.removeEventListener('change', this.#onChange) }
}

// Building an Intl.DateTimeFormat costs far more than formatting with one (it was most of a room view's re-render,
// two per visible message): one of each per locale, made on first use.
const timeFormats = new Map<Locale, Intl.DateTimeFormat>()
const dayFormats = new Map<Locale, Intl.DateTimeFormat>()

function cachedFormat (cache: Map<Locale, Intl.DateTimeFormat>, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  let f = cache.get(current)
  if (f === undefined) { f = new Intl.DateTimeFormat(current, options); cache.set(current, f) }
  return f
}

/** Formats a time of day in the current language. */
export function formatTime (ms: number): string {
  return cachedFormat(timeFormats, { hour: '2-digit', minute: '2-digit' }).format(ms)
}

/** "Today", "Yesterday" or a date, for day separators. */
export function formatDay (ms: number, now = Date.now()): string {
  const day = (x: number): string => new Date(x).toDateString()
  if (day(ms) === day(now)) return t('today')
  if (day(ms) === day(now - 86_400_000)) return t('yesterday')
  return cachedFormat(dayFormats, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms)
}
