/**
 * Wiring of the media layer into a chat peer: which store (ChatInit.mediaStore, else `<dataDir>/media` through
 * `#media-store`, else records in the chat's StorageBackend) and the `MediaFileInfo` view of a file message.
 */
import { toHex } from '../crypto/encoding.ts'
import { MediaService } from './service.ts'
import { metaMediaStore } from './store-meta.ts'
import type { ChatInit } from '../chat/types.ts'
import type { StorageBackend } from '../history/types.ts'
import type { OpenedMessage } from '../envelope/types.ts'
import type { MediaHostInit } from './service.ts'
import type { FileBody, MediaFileInfo, MediaStore } from './types.ts'

/** Opens the media layer of a chat. The store is closed with it unless the caller gave it (`mediaStore`). */
export async function openChatMedia (init: ChatInit, storage: StorageBackend, host: Omit<MediaHostInit, 'store' | 'maxFileBytes'>): Promise<MediaService> {
  let store: MediaStore
  if (init.mediaStore != null) {
    const given = init.mediaStore
    store = { ...bind(given), close: async () => {} }
  } else if (init.dataDir != null) {
    const mod = await import('#media-store') as { openDirMediaStore: (dir: string) => Promise<MediaStore> }
    // The data dir is locked by this chat, so no other process writes its media directory.
    store = await mod.openDirMediaStore(`${init.dataDir.replace(/[\\/]+$/, '')}/media`)
  } else {
    store = metaMediaStore(storage)
  }
  const hostInit: MediaHostInit = { ...host, store }
  if (init.maxFileBytes != null) hostInit.maxFileBytes = init.maxFileBytes
  return new MediaService(hostInit)
}

function bind (s: MediaStore): MediaStore {
  return {
    state: s.state.bind(s),
    writer: s.writer.bind(s),
    saveHashes: s.saveHashes.bind(s),
    loadHashes: s.loadHashes.bind(s),
    readChunk: s.readChunk.bind(s),
    close: s.close.bind(s)
  }
}

/** The `file` body of an opened message, or undefined for any other kind. */
export function fileBodyOf (m: OpenedMessage | null | undefined): FileBody | undefined {
  return m?.body.k === 'file' ? m.body : undefined
}

/** What `Chat.mediaFile` returns for one file message. */
export async function mediaFileInfo (media: MediaService, room: string, m: OpenedMessage, body: FileBody): Promise<MediaFileInfo> {
  const local = await media.localState(body)
  const info: MediaFileInfo = {
    id: m.idText,
    room,
    authorId: m.authorId,
    name: body.name,
    mime: body.mime,
    size: body.size,
    hash: toHex(body.hash),
    local: local.complete ? 'complete' : local.bytes > 0 ? 'partial' : 'none',
    localBytes: local.bytes
  }
  if (body.preview != null) info.preview = Uint8Array.from(body.preview)
  if (body.duration != null) info.duration = body.duration
  if (body.peer != null) info.senderPeerId = body.peer
  return info
}
