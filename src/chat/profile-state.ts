/** This device's avatar, stored next to the display name (local-state.ts) so it is announced after a restart. */
import type { StorageBackend } from '../history/types.ts'

export const META_AVATAR = 'avatar'

const utf8Encoder = new TextEncoder()
const utf8Decoder = new TextDecoder()

/** The stored avatar, or undefined (an empty record means removed). */
export async function loadAvatar (storage: StorageBackend): Promise<string | undefined> {
  const bytes = await storage.getMeta(META_AVATAR)
  return bytes == null || bytes.length === 0 ? undefined : utf8Decoder.decode(bytes)
}

/** Stores the avatar; undefined removes it (the key/value store has no delete: an empty record stands for none). */
export async function saveAvatar (storage: StorageBackend, avatar: string | undefined): Promise<void> {
  await storage.setMeta(META_AVATAR, avatar == null ? new Uint8Array(0) : utf8Encoder.encode(avatar))
}
