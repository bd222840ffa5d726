/**
 * KeptRoom's on-demand log (relay/kept-rooms.ts): a closed log is opened once for every caller waiting meanwhile,
 * frames that arrive while it opens are applied in arrival order, a log in use is never closed, a reopen waits for the
 * close, and frame listeners follow the log across reopens.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KeptRooms } from '../../../relay/kept-rooms.ts'
import { frameOf, hex, idsOf, makeAuthor, makeRoom, openLog } from '../history/fixtures.ts'
import type { RoomLog } from '../../../src/history/room-log.ts'

const IDLE_MS = 20

describe('KeptRoom log unload and reopen', () => {
  let dir: string
  let kept: KeptRooms

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cs-kept-rooms-'))
    kept = new KeptRooms(dir, { idleUnloadMs: IDLE_MS })
  })
  afterEach(async () => {
    await kept.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('opens once for concurrent callers, applies in arrival order, never closes a log in use, keeps listeners', async () => {
    const keys = makeRoom()
    const author = makeAuthor()
    const source = await openLog(keys)
    const updates: Uint8Array[] = []
    for (let i = 0; i < 20; i++) updates.push(await source.append(await frameOf(keys, author, `m${i}`)))
    const want = idsOf(source)

    const room = kept.add({ topic: 't', ephemeralTopic: 'e', roomId: keys.roomId, writePublicKey: keys.writePublicKey, lastRequest: 0 })
    const seen: string[] = []
    room.onFrames((frames) => { for (const f of frames) seen.push(hex(f.subarray(6, 22))) })
    expect(room.loaded).toBe(false)

    // Twenty frames arrive while the log is closed: one open, applied in arrival order (each depends on the last).
    const logs = new Set<RoomLog>()
    await Promise.all(updates.map(async (u) => await room.use(async (log) => { logs.add(log); return await log.applyRemote(u) })))
    expect(logs.size).toBe(1)
    expect(seen).toEqual(want)
    expect(kept.loaded).toBe(1)

    // A session holding the log keeps it open past the idle time.
    let end = (): void => {}
    const session = new Promise<void>(resolve => { end = resolve })
    const leased = await room.lease(session)
    await new Promise(resolve => setTimeout(resolve, IDLE_MS * 3))
    expect(kept.unloadIdle()).toBe(0)
    expect(room.loaded).toBe(true)
    end()
    await session
    await new Promise(resolve => setTimeout(resolve, IDLE_MS * 3))
    kept.unloadIdle()
    expect(room.loaded).toBe(false)
    expect(kept.loaded).toBe(0)

    // Reopened at once (the close may still be under way): the same history from disk, a new log object.
    const more = await source.append(await frameOf(keys, author, 'after'))
    const reopened = await room.use(async (log) => { await log.applyRemote(more); return log })
    expect(reopened).not.toBe(leased)
    expect(idsOf(reopened)).toEqual(idsOf(source))
    // The listener registered before the unload sees frames applied to the reopened log.
    expect(seen).toEqual(idsOf(source))

    // Unloaded and reopened once more: what was applied is on disk.
    await new Promise(resolve => setTimeout(resolve, IDLE_MS * 3))
    kept.unloadIdle()
    expect(room.loaded).toBe(false)
    expect(await room.use((log) => idsOf(log))).toEqual(idsOf(source))
    await source.close()
  })
})
