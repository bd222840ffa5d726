/** `chatsphere device link|list|revoke` as real processes through a relay process. */
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, jsonLines, LOOPBACK_PEER, makePeer, Proc, startRelayProc, tempDir } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'

describe('chatsphere device (CLI)', () => {
  let relay: RelayProc | undefined
  afterAll(async () => {
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('links a new data dir through the relay, lists both devices, revokes one', async () => {
    relay = await startRelayProc()
    const ana = await makePeer('Ana', [relay.url])
    expect((await ana.run(['room', 'create', 'friends'])).code).toBe(0)
    const newDir = await tempDir('cs-new-')
    // The new device has no identity yet and listens only on a relay circuit.
    const waiting = new Proc(['--data', newDir, '--relay', relay.url, '--no-mdns', '--no-webrtc', '--listen', '/p2p-circuit', '--json', 'device', 'link', '--name', 'phone'])
    const codeLine = await waiting.waitLine(l => l.includes('"code"'), 60_000, 'link code')
    const { code } = JSON.parse(codeLine) as { code: string }
    const linked = await ana.run(['--json', 'device', 'link', code, '--name', 'laptop'])
    expect(linked.stderr).toBe('')
    expect(linked.code).toBe(0)
    expect(JSON.parse(linked.stdout)).toMatchObject({ name: 'phone', revoked: false })
    const done = await waiting.waitLine(l => l.includes('"linked"'), 60_000, 'linked')
    expect(await waiting.exited).toBe(0)
    const anaId = JSON.parse((await ana.run(['--json', 'id', 'show'])).stdout) as { userId: string }
    expect(JSON.parse(done)).toMatchObject({ linked: anaId.userId, rooms: 1 })

    const rooms = await new Proc(['--data', newDir, ...LOOPBACK_PEER, '--json', 'room', 'list']).exited
    expect(rooms).toBe(0)
    const listed = jsonLines<{ name: string, current: boolean, revoked: boolean, id: string }>((await ana.run(['--json', 'device', 'list'])).stdout)
    expect(listed.map(d => [d.name, d.current, d.revoked])).toEqual([['laptop', true, false], ['phone', false, false]])
    const revoked = await ana.run(['--json', 'device', 'revoke', 'phone'])
    expect(revoked.code).toBe(0)
    expect(JSON.parse(revoked.stdout)).toMatchObject({ device: { name: 'phone', revoked: true }, rotated: 1, notRotated: [] })
    const after = jsonLines<{ name: string, revoked: boolean }>((await ana.run(['--json', 'device', 'list'])).stdout)
    expect(after.find(d => d.name === 'phone')?.revoked).toBe(true)
    const again = await ana.run(['device', 'revoke', 'phone'])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('already revoked')
    // A data dir that has an identity is not replaced by accident.
    const replace = await ana.run(['device', 'link'])
    expect(replace.code).toBe(2)
    expect(replace.stderr).toContain('--replace')
  }, 180_000)
})
