/**
 * Roles from the command line, each command its own process, through a relay process: room members, promote, a
 * refused kick (exit 1, NotAllowedError), kick with a new key epoch the kicked member cannot read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupDirs, jsonLines, makePeer, startRelayProc } from './support/processes.ts'
import type { Peer, RelayProc } from './support/processes.ts'

interface MemberLine { userId: string, name: string | null, role: string, me: boolean }

describe('CLI roles', () => {
  let relay: RelayProc
  let ana: Peer
  let ben: Peer
  let anaId: string
  let benId: string

  beforeAll(async () => {
    relay = await startRelayProc()
    ;[ana, ben] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url])])
    anaId = (JSON.parse((await ana.run(['--json', 'id', 'show'])).stdout) as { userId: string }).userId
    benId = (JSON.parse((await ben.run(['--json', 'id', 'show'])).stdout) as { userId: string }).userId
    const invite = (await ana.run(['room', 'create', 'club'])).stdout.trim()
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)
    expect((await ben.run(['send', 'club', 'hi, Ben here'])).code).toBe(0)
  }, 120_000)

  afterAll(async () => {
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('members with roles; promote; a member cannot kick the owner; the owner kicks', async () => {
    const members = await ana.run(['--json', 'room', 'members', 'club'])
    expect(members.code).toBe(0)
    const lines = jsonLines<MemberLine>(members.stdout)
    expect(lines.map(l => [l.userId, l.role])).toEqual([[anaId, 'owner'], [benId, 'member']])

    const promoted = await ana.run(['--json', 'room', 'promote', 'club', benId])
    expect(promoted.code).toBe(0)
    expect(JSON.parse(promoted.stdout)).toMatchObject({ role: 'moderator', heldByRelay: true })
    const seenByBen = jsonLines<MemberLine>((await ben.run(['--json', 'room', 'members', 'club'])).stdout)
    expect(seenByBen.find(l => l.userId === benId)?.role).toBe('moderator')

    const refused = await ben.run(['room', 'kick', 'club', anaId])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/not below yours/)

    const kicked = await ana.run(['--json', 'room', 'kick', 'club', benId])
    expect(kicked.code).toBe(0)
    expect(JSON.parse(kicked.stdout)).toMatchObject({ action: 'kick', userId: benId, epoch: 1, heldByRelay: true })
    expect((await ana.run(['send', 'club', 'after Ben left'])).code).toBe(0)
    const read = await ben.run(['read', 'club', '--json'])
    expect(read.code).toBe(0)
    expect(jsonLines<{ text: string }>(read.stdout).map(l => l.text)).toEqual(['hi, Ben here'])
    const after = jsonLines<MemberLine>((await ana.run(['--json', 'room', 'members', 'club'])).stdout)
    expect(after.map(l => l.userId)).toEqual([anaId])
  }, 180_000)
})
