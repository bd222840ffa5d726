/**
 * Fetches of file messages for the web app: progress (bytes, rate, time left), cancel, the relay fallback offered
 * when no direct connection can be made, and Blob URLs of checked bytes for inline images, video and audio (typed with
 * the allow-listed type, never the sender's). One instance per backend.
 */
import type { ChatBackend, FetchProgress, MessageView } from '../core/backend.ts'
import { downloadBytes } from '../lib/download.ts'
import { baseMime, mediaKind } from '../lib/media-kind.ts'

export type TransferStatus = 'idle' | 'fetching' | 'done' | 'failed' | 'cancelled' | 'needs-relay'

export interface TransferState {
  status: TransferStatus
  progress?: FetchProgress
  /** Blob URL of the checked bytes (inline kinds only). */
  url?: string
  error?: string
  /** The transfer was allowed through the relay. */
  viaRelay?: boolean
}

/** Inline media fetched without a click up to this size; larger ones wait for the user. */
export const AUTO_FETCH_MAX_BYTES = 25 * 1024 * 1024
/** Most Blob URLs kept alive (the oldest are revoked and fetched again from the local store when shown). */
const MAX_URLS = 64
/** Progress repaints at most this often. */
const PROGRESS_EVERY_MS = 100

interface Entry extends TransferState {
  abort?: AbortController
  lastEmit?: number
}

interface FileBody { k: 'file', name: string, mime: string, size: number }

/** The file body of a message, or undefined. */
export function fileBody (m: MessageView): FileBody | undefined {
  const b = m.body as { k: string, name?: unknown, mime?: unknown, size?: unknown }
  if (b.k !== 'file' || typeof b.name !== 'string' || typeof b.mime !== 'string' || typeof b.size !== 'number') return undefined
  return b as FileBody
}

/** Emits `change` (detail: the key `room/id`) when a transfer's state changes. */
export class MediaTransfers extends EventTarget {
  readonly #backend: ChatBackend
  readonly #entries = new Map<string, Entry>()

  constructor (backend: ChatBackend) {
    super()
    this.#backend = backend
  }

  static key (room: string, id: string): string { return `${room}/${id}` }

  get (room: string, id: string): TransferState {
    return this.#entries.get(MediaTransfers.key(room, id)) ?? { status: 'idle' }
  }

  /**
   * Fetches the file. Inline kinds end with a Blob URL; other files are handed to the browser's download (never
   * rendered). Without `allowRelayed`, a file only reachable through the relay ends in `needs-relay`.
   */
  async fetch (room: string, message: MessageView, options: { allowRelayed?: boolean, download?: boolean } = {}): Promise<void> {
    const body = fileBody(message)
    if (body === undefined) return
    const key = MediaTransfers.key(room, message.id)
    const prev = this.#entries.get(key)
    if (prev?.status === 'fetching') return
    const abort = new AbortController()
    const entry: Entry = { status: 'fetching', abort, viaRelay: options.allowRelayed === true }
    this.#set(key, entry)
    try {
      const bytes = await this.#backend.fetchFile(room, message.id, {
        signal: abort.signal,
        allowRelayed: options.allowRelayed === true,
        onProgress: (p) => {
          entry.progress = p
          const now = performance.now()
          if (entry.lastEmit === undefined || now - entry.lastEmit >= PROGRESS_EVERY_MS || p.bytes === p.total) {
            entry.lastEmit = now
            this.#emit(key)
          }
        }
      })
      const kind = mediaKind(body.mime)
      const done: Entry = { status: 'done', viaRelay: entry.viaRelay === true }
      if (entry.progress !== undefined) done.progress = entry.progress
      if (kind !== 'file') {
        done.url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: baseMime(body.mime) }))
      } else if (options.download === true) {
        downloadBytes(bytes, body.name, 'application/octet-stream')
      }
      this.#set(key, done)
      this.#trim()
    } catch (err) {
      const e = err as Error & { attempts?: Array<{ reason: string, path?: string }> }
      if (e.name === 'TransferCancelledError' || e.name === 'AbortError' || abort.signal.aborted) {
        this.#set(key, { status: 'cancelled' })
      } else if (options.allowRelayed !== true && e.name === 'MediaUnavailableError' && needsRelay(e.attempts ?? [])) {
        this.#set(key, { status: 'needs-relay', error: e.message })
      } else {
        this.#set(key, { status: 'failed', error: e.message })
      }
    }
  }

  /** Saves a file whose bytes are here (fetched or sent by us) through the browser's download. */
  async download (room: string, message: MessageView): Promise<void> {
    await this.fetch(room, message, { download: true })
  }

  cancel (room: string, id: string): void {
    this.#entries.get(MediaTransfers.key(room, id))?.abort?.abort()
  }

  dispose (): void {
    for (const e of this.#entries.values()) {
      e.abort?.abort()
      if (e.url !== undefined) URL.revokeObjectURL(e.url)
    }
    this.#entries.clear()
  }

  #set (key: string, entry: Entry): void {
    const old = this.#entries.get(key)
    if (old?.url !== undefined && old.url !== entry.url) URL.revokeObjectURL(old.url)
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    this.#emit(key)
  }

  #trim (): void {
    let urls = 0
    for (const e of this.#entries.values()) if (e.url !== undefined) urls++
    for (const [key, e] of this.#entries) {
      if (urls <= MAX_URLS) break
      if (e.url === undefined) continue
      URL.revokeObjectURL(e.url)
      this.#entries.delete(key)
      urls--
      this.#emit(key)
    }
  }

  #emit (key: string): void {
    this.dispatchEvent(new CustomEvent('change', { detail: key }))
  }
}

/** True when the peers that have the file could only be reached through a relay. */
function needsRelay (attempts: Array<{ reason: string, path?: string }>): boolean {
  return attempts.some((a) => a.path === 'relayed' || a.reason === 'relay-limit' || a.reason === 'unreachable')
}

const instances = new WeakMap<ChatBackend, MediaTransfers>()

/** The transfers of a backend (created on first use). */
export function transfersFor (backend: ChatBackend): MediaTransfers {
  let t = instances.get(backend)
  if (t === undefined) { t = new MediaTransfers(backend); instances.set(backend, t) }
  return t
}
