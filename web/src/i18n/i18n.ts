import type { ReactiveController, ReactiveControllerHost } from 'lit'
import { en } from './en.ts'
import type { MessageKey } from './en.ts'

/** Languages the app ships. */
export const LOCALES = ['en', 'es'] as const
export type Locale = typeof LOCALES[number]

type Catalog = Record<MessageKey, string>
// English is in the first-paint bundle; other catalogs load when chosen, so an English visit does not download them.
const catalogs: Partial<Record<Locale, Catalog>> = { en }
const loaders: Record<Exclude<Locale, 'en'>, () => Promise<Catalog>> = {
  es: async () => (await import('./es.ts')).es
}
let current: Locale = 'en'
let requested: Locale = 'en'
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

/**
 * Switches the language of every connected element (they re-render through `LocaleController`), once its catalog
 * is loaded. When called again before a load finishes, the last call wins. If the catalog cannot be loaded (an
 * offline first visit before the service worker has it), the language stays as it is; this never throws.
 */
export async function setLocale (locale: Locale): Promise<void> {
  requested = locale
  if (catalogs[locale] === undefined && locale !== 'en') {
    try {
      catalogs[locale] = await loaders[locale]()
    } catch {
      return
    }
  }
  if (requested !== locale || locale === current) return
  current = locale
  document.documentElement.lang = locale
  changes.dispatchEvent(new Event('change'))
}

/** Translates `key`, filling `{name}` placeholders from `params`. Never returns HTML. */
export function t (key: MessageKey, params?: Record<string, string | number>): string {
  const text = catalogs[current]?.[key] ?? en[key]
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
