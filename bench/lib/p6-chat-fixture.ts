/**
 * Adds a chat to the P6 fixture (bench/history-p6.ts): a Chat data directory (`<dir>/chat`, offline) that imported
 * the fixture's room (an archive of its log, every frame verified in full as an import does), then closed, so its
 * opened-frames record holds every message as after a normal session (and its shown-tail record the last views, as
 * the web app's chat leaves them). Usage: p6-chat-fixture.ts <dir>
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createChat } from '../../src/index.ts'
import { openRoomLog } from '../../src/history/room-log.ts'
import { openStorage } from '../../src/storage/node.ts'
import { deriveRoomKeys } from '../../src/room/keys.ts'
import { fromHex } from '../../src/crypto/encoding.ts'
import { encodeRoomArchive } from '../../src/chat/room-archive.ts'

const dir = process.argv[2] as string
const secret = fromHex(readFileSync(join(dir, 'secret'), 'utf8'))
const room = deriveRoomKeys(secret)
const storage = await openStorage({ dir })
const log = await openRoomLog({ store: await storage.openRoom(room.roomIdText), roomId: room.roomId, writePublicKey: room.writePublicKey })
const updates = log.missingFor(new Uint8Array([0]))
const n = log.length
await log.close()
await storage.close()
// tailFirst: its close writes the room's shown-tail record, which a tail-first open (p6-chat-open.ts tail) shows first.
const chat = await createChat({ dataDir: join(dir, 'chat'), offline: true, displayName: 'P6', tailFirst: true })
const res = await chat.importRoom(encodeRoomArchive({ name: 'p6', secret, updates, exportedAt: Date.now() }))
if (res.added !== n) throw new Error(`imported ${res.added} of ${n}`)
await chat.close()
