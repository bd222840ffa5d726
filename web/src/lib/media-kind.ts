/**
 * What a received file may be shown as. The sender's MIME type is untrusted: only raster images, and audio and video
 * types the browser decodes in a sandboxed media pipeline, are shown inline, and only from bytes whose hash was
 * checked, through a Blob URL typed with the allow-listed type. SVG, HTML and anything unknown is a download card.
 */

export type MediaKind = 'image' | 'video' | 'audio' | 'file'

const INLINE: Record<string, MediaKind> = {
  'image/png': 'image',
  'image/jpeg': 'image',
  'image/gif': 'image',
  'image/webp': 'image',
  'image/avif': 'image',
  'video/mp4': 'video',
  'video/webm': 'video',
  'video/ogg': 'video',
  'audio/webm': 'audio',
  'audio/ogg': 'audio',
  'audio/mpeg': 'audio',
  'audio/mp4': 'audio',
  'audio/aac': 'audio',
  'audio/wav': 'audio',
  'audio/x-wav': 'audio',
  'audio/flac': 'audio'
}

/** The base MIME type (lowercase, parameters such as `;codecs=opus` removed). */
export function baseMime (mime: string): string {
  return (mime.split(';')[0] ?? '').trim().toLowerCase()
}

/** How a file of this MIME type is shown: inline kinds only from the allow-list, everything else a file card. */
export function mediaKind (mime: string): MediaKind {
  return INLINE[baseMime(mime)] ?? 'file'
}

/** Bytes as a short human size (1 decimal above KiB). */
export function formatBytes (n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++ }
  return `${v.toFixed(1)} ${units[i] ?? 'TiB'}`
}

/** Milliseconds as m:ss (or h:mm:ss). */
export function formatDuration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–:––'
  const s = Math.round(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/**
 * The type of a preview image from its first bytes (JPEG, PNG or WebP), undefined for anything else: previews come
 * from the sender and are only shown when they are one of these raster formats.
 */
export function previewType (bytes: Uint8Array): string | undefined {
  if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png'
  if (bytes.length > 12 && bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[3] === 0x46 &&
    bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp'
  return undefined
}
