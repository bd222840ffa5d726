/**
 * Turns a picked, pasted, dropped or recorded file into what the core sends: its bytes, a small preview (image
 * thumbnail or video poster frame, JPEG, at most MAX_PREVIEW_BYTES) and the duration of audio or video. Previews are
 * best effort: a file the browser cannot decode is sent without one.
 */
import { MAX_PREVIEW_BYTES } from '../../../src/constants.ts'
import { baseMime, mediaKind } from './media-kind.ts'

/** What `ChatBackend.sendFile` takes. */
export interface OutgoingFile {
  name: string
  mime: string
  bytes: Uint8Array
  preview?: Uint8Array
  /** Audio or video length in ms. */
  duration?: number
}

/** Longest side of a preview thumbnail, in pixels (halved until the JPEG fits MAX_PREVIEW_BYTES). */
const PREVIEW_SIDE = 160
/** Give up on a preview or duration after this long (a file that never loads). */
const PREVIEW_TIMEOUT_MS = 5_000

/** Reads a file and prepares its preview and duration. `duration` (ms) wins when the caller knows it (recordings). */
export async function prepareFile (file: File, duration?: number): Promise<OutgoingFile> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  const mime = baseMime(file.type) === '' ? 'application/octet-stream' : file.type
  const out: OutgoingFile = { name: file.name !== '' ? file.name : 'file', mime, bytes }
  const kind = mediaKind(mime)
  try {
    if (kind === 'image') {
      const preview = await imagePreview(file)
      if (preview !== undefined) out.preview = preview
    } else if (kind === 'video' || kind === 'audio') {
      const info = await withTimeout(mediaInfo(file, kind === 'video'))
      if (info?.preview !== undefined) out.preview = info.preview
      const d = duration ?? info?.duration
      if (d !== undefined && Number.isFinite(d)) out.duration = Math.round(d)
    }
  } catch { /* no preview: the file is sent as it is */ }
  if (out.duration === undefined && duration !== undefined) out.duration = Math.round(duration)
  return out
}

async function withTimeout<T> (p: Promise<T>): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined) }, PREVIEW_TIMEOUT_MS) })
  try { return await Promise.race([p, timeout]) } finally { clearTimeout(timer) }
}

async function imagePreview (file: Blob): Promise<Uint8Array | undefined> {
  const bitmap = await createImageBitmap(file)
  try {
    return await jpegThumbnail(bitmap, bitmap.width, bitmap.height)
  } finally {
    bitmap.close()
  }
}

/** Draws the source scaled to PREVIEW_SIDE (smaller until the JPEG fits) and encodes it. */
async function jpegThumbnail (source: CanvasImageSource, width: number, height: number): Promise<Uint8Array | undefined> {
  if (width <= 0 || height <= 0) return undefined
  for (let side = PREVIEW_SIDE; side >= 20; side = Math.floor(side / 2)) {
    const scale = Math.min(1, side / Math.max(width, height))
    const w = Math.max(1, Math.round(width * scale))
    const h = Math.max(1, Math.round(height * scale))
    const canvas = new OffscreenCanvas(w, h)
    const ctx = canvas.getContext('2d')
    if (ctx === null) return undefined
    ctx.drawImage(source, 0, 0, w, h)
    for (const quality of [0.7, 0.5]) {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality })
      if (blob.size <= MAX_PREVIEW_BYTES) return new Uint8Array(await blob.arrayBuffer())
    }
  }
  return undefined
}

/** Duration of audio or video, and for video a poster frame, from a media element on a temporary Blob URL. */
async function mediaInfo (file: Blob, video: boolean): Promise<{ duration?: number, preview?: Uint8Array }> {
  const url = URL.createObjectURL(file)
  const el = document.createElement(video ? 'video' : 'audio')
  el.preload = 'metadata'
  el.muted = true
  try {
    await new Promise<void>((resolve, reject) => {
      el.addEventListener('loadedmetadata', () => { resolve() }, { once: true })
      el.addEventListener('error', () => { reject(new Error('cannot decode')) }, { once: true })
      el.src = url
    })
    const out: { duration?: number, preview?: Uint8Array } = {}
    if (Number.isFinite(el.duration)) out.duration = el.duration * 1000
    if (el instanceof HTMLVideoElement && el.videoWidth > 0) {
      await new Promise<void>((resolve) => {
        el.addEventListener('seeked', () => { resolve() }, { once: true })
        el.currentTime = Math.min(1, Number.isFinite(el.duration) ? el.duration / 2 : 0)
      })
      const preview = await jpegThumbnail(el, el.videoWidth, el.videoHeight)
      if (preview !== undefined) out.preview = preview
    }
    return out
  } finally {
    el.removeAttribute('src')
    el.load()
    URL.revokeObjectURL(url)
  }
}
