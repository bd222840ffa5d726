/**
 * Page of the browser P6 benchmark (bench/history-browser.ts): seeds an IndexedDB room from a snapshot, and
 * measures a cold open (until the last 50 messages are readable, until all are).
 */
import { openStorage } from '../../src/storage/browser.ts'
import { openRoomLog } from '../../src/history/room-log.ts'
import { deriveRoomKeys } from '../../src/room/keys.ts'
import { openFrame } from '../../src/envelope/open.ts'
import { fromHex } from '../../src/crypto/encoding.ts'
import { loadOpenedFrames, OpenedFrames, saveOpenedFrames } from '../../src/history/opened-frames.ts'

const DB = 'chatsphere-bench'

async function fetchBytes (url: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer())
}

/** Splits the bench's tail file (u32 BE length + bytes, repeated) into frames. */
function splitTail (bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let p = 0; p < bytes.length;) { const n = dv.getUint32(p); out.push(bytes.slice(p + 4, p + 4 + n)); p += 4 + n }
  return out
}

async function seed (secretHex: string): Promise<void> {
  const room = deriveRoomKeys(fromHex(secretHex))
  const storage = await openStorage({ name: DB })
  const store = await storage.openRoom(room.roomIdText)
  await store.compact(await fetchBytes('/snapshot.bin'))
  await store.writeTail?.(splitTail(await fetchBytes('/tail.bin')))
  // The opened-frames record, as the chat leaves it once it opened every message with every check.
  const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: Infinity })
  const opened = new OpenedFrames()
  for (const f of log.frames()) opened.add(f)
  await saveOpenedFrames(storage, room.roomIdText, opened)
  await log.close()
  await storage.close()
}

async function coldOpen (secretHex: string, decryptAll: boolean): Promise<Record<string, number>> {
  const t0 = performance.now()
  const room = deriveRoomKeys(fromHex(secretHex))
  const decrypt = async (frames: Uint8Array[]): Promise<void> => {
    for (let i = 0; i < frames.length; i += 256) await Promise.all(frames.slice(i, i + 256).map(async f => await openFrame(f, room)))
  }
  const storage = await openStorage({ name: DB })
  let tailMs = -1
  let tailReadMs = -1
  let loadMs = -1
  const inner = await storage.openRoom(room.roomIdText)
  const storageMs = performance.now() - t0
  // The store's load resolved: the IndexedDB read (getAll of the room's range) done, before Yjs.
  const store = { ...inner, load: async () => { const r = await inner.load(); loadMs = performance.now() - t0; return r } }
  const log = await openRoomLog({
    store,
    roomId: room.roomId,
    writePublicKey: room.writePublicKey,
    onTail: async (tail) => { tailReadMs = performance.now() - t0; await decrypt(tail.slice(-50)); tailMs = performance.now() - t0 }
  })
  const openMs = performance.now() - t0
  await decrypt(log.frames(-50))
  const last50Ms = performance.now() - t0
  // Every message readable as the chat does it: frames this device opened before (all of them here) are only
  // decrypted and decoded (the opened-frames cache, read from its meta record).
  const opened = await loadOpenedFrames(storage, room.roomIdText)
  const cacheMs = performance.now() - t0
  let fullOpens = 0
  for (const f of log.frames()) await opened.open(f, room, async () => { fullOpens++; return await openFrame(f, room) })
  const allMs = performance.now() - t0
  // Then with every check (a device that never opened them): two Ed25519 verifications per message.
  let allNoCacheMs = -1
  if (decryptAll) { const a0 = performance.now(); await decrypt(log.frames()); allNoCacheMs = performance.now() - a0 + allMs }
  const length = log.length
  await log.close()
  await storage.close()
  return { length, storageMs, tailReadMs, tailMs, loadMs, openMs, last50Ms, cacheMs, allMs, allNoCacheMs, fullOpens }
}

const CHAT_DB = 'chatsphere-bench-chat'

/**
 * The same room as the web app's chat keeps it (its own storage): the log, the opened-frames record, the room list,
 * then one tail-first session, whose close leaves the room's shown-tail record.
 */
async function seedChat (secretHex: string): Promise<void> {
  const { createChat } = await import('../../src/chat/index.ts')
  const { saveRooms } = await import('../../src/chat/local-state.ts')
  const secret = fromHex(secretHex)
  const room = deriveRoomKeys(secret)
  const storage = await openStorage({ name: CHAT_DB })
  const store = await storage.openRoom(room.roomIdText)
  await store.compact(await fetchBytes('/snapshot.bin'))
  const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: Infinity })
  const opened = new OpenedFrames()
  for (const f of log.frames()) opened.add(f)
  await saveOpenedFrames(storage, room.roomIdText, opened)
  await log.close()
  await saveRooms(storage, [{ secret, name: 'p6', joinedAt: Date.now() }])
  const chat = await createChat({ storage, offline: true, tailFirst: true })
  await chat.close()
  await storage.close()
}

/**
 * A cold start of that chat: `plain` (offline; createChat decrypts every message first), `tail` (offline, tail-first),
 * `tail-online` (tail-first with the network started before createChat returns: the web app before
 * networkInBackground; no relay) or `app` (tail-first, network started behind createChat: as the web app starts now).
 * Ms until createChat returned, until the last 50 are read, until a frame was painted after that, until all are
 * readable, and (online) until the network was up.
 */
async function chatOpen (mode: string): Promise<Record<string, number>> {
  const { createChat } = await import('../../src/chat/index.ts')
  const t0 = performance.now()
  const storage = await openStorage({ name: CHAT_DB })
  const online = mode === 'tail-online' || mode === 'app'
  const chat = await createChat({ storage, tailFirst: mode !== 'plain', ...(online ? { relays: [], networkInBackground: mode === 'app' } : { offline: true }) })
  const createMs = performance.now() - t0
  let networkMs = -1
  const network = online ? chat.waitForNetwork().then(() => { networkMs = performance.now() - t0 }) : undefined
  const room = chat.rooms()[0]
  if (room === undefined) throw new Error('no room in the bench chat')
  const early = chat.roomLoading(room.id) ? 1 : 0
  const last = chat.messages(room.id, { limit: 50 })
  const last50Ms = performance.now() - t0
  // The page can paint them: the next animation frame (a background open yields between its slices).
  await new Promise(resolve => requestAnimationFrame(resolve))
  const paintMs = performance.now() - t0
  await chat.waitForRoomLoaded(room.id)
  const all = chat.messages(room.id)
  const allMs = performance.now() - t0
  await network
  await chat.close()
  await storage.close()
  return { early, last50: last.length, length: all.length, createMs, last50Ms, paintMs, allMs, networkMs }
}

Object.assign(window, { __bench: { seed, coldOpen, seedChat, chatOpen } })
