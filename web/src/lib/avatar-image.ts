/** Side length of avatars made on this device, in CSS pixels. */
const AVATAR_SIZE = 96
/** Inline avatars above this many characters are not sent (MAX_AVATAR_BYTES in the core is 24 KiB). */
const MAX_AVATAR_CHARS = 24 * 1024 - 64

/** Only raster images are shown from peers; SVG and anything else never render inline. */
const SAFE_AVATAR = /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/

export function isSafeAvatar (value: string | undefined): value is string {
  return value !== undefined && value.length <= MAX_AVATAR_CHARS && SAFE_AVATAR.test(value)
}

/** Scales a picked image to a small square JPEG/WebP data URL that fits the avatar limit. */
export async function avatarFromFile (file: File): Promise<string> {
  if (!/^image\/(png|jpeg|webp|gif)$/.test(file.type)) throw new Error('unsupported image type')
  const bitmap = await createImageBitmap(file)
  const canvas = document.createElement('canvas')
  canvas.width = AVATAR_SIZE
  canvas.height = AVATAR_SIZE
  const ctx = canvas.getContext('2d')
  if (ctx === null) throw new Error('no canvas')
  const side = Math.min(bitmap.width, bitmap.height)
  ctx.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, AVATAR_SIZE, AVATAR_SIZE)
  bitmap.close()
  for (const quality of [0.85, 0.7, 0.5, 0.3]) {
    const url = canvas.toDataURL('image/webp', quality)
    if (isSafeAvatar(url)) return url
    const jpeg = canvas.toDataURL('image/jpeg', quality)
    if (isSafeAvatar(jpeg)) return jpeg
  }
  throw new Error('image too large')
}
