import type { Locale } from '../i18n/i18n.ts'

export type Theme = 'system' | 'light' | 'dark'

/** Device-local preferences (not secret, not synced). */
export interface Settings {
  theme: Theme
  /** undefined: follow the browser's language. */
  locale?: Locale
  notifications: boolean
  /** Extra relay multiaddrs besides the relay that served the page. */
  relays: string[]
  /** ICE servers for direct WebRTC connections, one settings line each (see core/ice-servers.ts); none by default. */
  iceServers: string[]
  /** Direct WebRTC connections to other members (they then learn this device's IP addresses). Default true. */
  directConnections: boolean
}

const KEY = 'chatsphere:settings'
const DEFAULTS: Settings = { theme: 'system', notifications: true, relays: [], iceServers: [], directConnections: true }

/** Reads settings, ignoring anything malformed (another version, hand edits). */
export function loadSettings (): Settings {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Settings>
    return {
      theme: raw.theme === 'light' || raw.theme === 'dark' ? raw.theme : 'system',
      ...(raw.locale === 'en' || raw.locale === 'es' ? { locale: raw.locale } : {}),
      notifications: typeof raw.notifications === 'boolean' ? raw.notifications : DEFAULTS.notifications,
      relays: Array.isArray(raw.relays) ? raw.relays.filter((r): r is string => typeof r === 'string').slice(0, 16) : [],
      iceServers: Array.isArray(raw.iceServers) ? raw.iceServers.filter((r): r is string => typeof r === 'string').slice(0, 16) : [],
      directConnections: typeof raw.directConnections === 'boolean' ? raw.directConnections : DEFAULTS.directConnections
    }
  } catch {
    return { ...DEFAULTS }
  }
}

export function saveSettings (settings: Settings): void {
  localStorage.setItem(KEY, JSON.stringify(settings))
}

/** Applies the theme to the document; 'system' leaves it to prefers-color-scheme (see global.css). */
export function applyTheme (theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme
  else document.documentElement.dataset.theme = theme
}
