/**
 * A limit found while building the issue 8 hostile-peer test, kept as a test so it stays visible: anyone who can
 * subscribe to a room's topic sees its frames, and can re-publish an honest frame inside a new Yjs item. The copy
 * carries a valid room write signature, so the guard (and a relay) accepts it and the log stores it; refusing it
 * could split honest peers (one that got the copy first would then refuse the original, and every later item that
 * points at it). What holds: the copy is never shown twice (the read model drops a repeated message id).
 */
import * as Y from 'yjs'
import { describe, expect, it } from 'vitest'
import { HISTORY_LOG_NAME } from '../../../src/constants.ts'
import { openFrame } from '../../../src/envelope/index.ts'
import { foldMessages } from '../../../src/history/read-model.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'
import { createRoomSecret, deriveRoomKeys } from '../../../src/room/keys.ts'
import { memoryUpdateStore } from '../../../src/storage/memory-update-store.ts'

describe('an honest frame re-wrapped in a new Yjs item by an outsider', () => {
  it('is stored as a second log entry (known limit) but shown once', async () => {
    const room = deriveRoomKeys(createRoomSecret())
    const ana = createIdentity()
    const anaLog = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
    const benLog = await openRoomLog({ store: memoryUpdateStore(), roomId: room.roomId, writePublicKey: room.writePublicKey })
    const frame = (await sealMessage({ identity: ana, room, device: 1, seq: 1, body: { k: 'text', text: 'hello' } })).frame
    await benLog.applyRemote(await anaLog.append(frame), 'ana')

    // The outsider: no room secret, only the frame it saw on the topic.
    const d = new Y.Doc()
    d.getArray<Uint8Array>(HISTORY_LOG_NAME).push([frame])
    await benLog.applyRemote(Y.encodeStateAsUpdate(d), 'outsider')

    // Stored: the Yjs log holds both items (and so does every disk and relay that keeps the room).
    expect(benLog.rawLength).toBe(2)
    // Shown once: the log's frame view drops the repeated id, and the read model would too.
    const frames = benLog.frames()
    expect(frames.length).toBe(1)
    const opened = await Promise.all([frame, frame].map(async f => await openFrame(f, room)))
    const model = foldMessages(opened)
    expect(model.views.map(v => v.text)).toEqual(['hello'])
    await anaLog.close()
    await benLog.close()
  })
})
