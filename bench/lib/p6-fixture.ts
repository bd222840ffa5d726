/**
 * Makes the P6 fixture (bench/history-p6.ts): a Node data directory holding one compacted room of N sealed messages
 * (5 authors), its tail cache, and its opened-frames record as the chat leaves it after opening every message once.
 * Usage: p6-fixture.ts <dir> <n>
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openRoomLog } from '../../src/history/room-log.ts'
import { memoryUpdateStore } from '../../src/storage/memory-update-store.ts'
import { openStorage } from '../../src/storage/node.ts'
import { createIdentity } from '../../src/identity/identity.ts'
import { createRoomSecret, deriveRoomKeys } from '../../src/room/keys.ts'
import { sealMessage } from '../../src/envelope/index.ts'
import { toHex } from '../../src/crypto/encoding.ts'
import { OpenedFrames, saveOpenedFrames } from '../../src/history/opened-frames.ts'

const [dir, nText] = process.argv.slice(2) as [string, string]
const n = Number(nText)
const secret = createRoomSecret()
const room = deriveRoomKeys(secret)
const authors = Array.from({ length: 5 }, () => ({ identity: createIdentity(), device: Math.floor(Math.random() * 2 ** 32), seq: 0 }))
const mem = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
const opened = new OpenedFrames()
for (let i = 0; i < n; i++) {
  const a = authors[i % authors.length] as typeof authors[number]
  const { frame } = await sealMessage({ identity: a.identity, room, device: a.device, seq: ++a.seq, body: { k: 'text', text: `${i} ${'x'.repeat(120)}` } })
  await mem.append(frame)
  opened.add(frame)
}
const storage = await openStorage({ dir })
const store = await storage.openRoom(room.roomIdText)
await store.compact(mem.missingFor(new Uint8Array([0]), 1 << 30)[0] as Uint8Array)
await store.writeTail?.(mem.frames(-100))
await saveOpenedFrames(storage, room.roomIdText, opened)
await mem.close()
await storage.close()
writeFileSync(join(dir, 'secret'), toHex(secret))
