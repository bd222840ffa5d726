/**
 * CLI error paths: each ends with one clear line on stderr and a non-zero exit code (2 usage, 1 failure,
 * 3 network). Also: a message sent while the relay is unreachable is stored locally and delivered later.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { cleanupDirs, cli, freePort, jsonLines, LOOPBACK_PEER, makePeer, startRelayProc, tempDir } from './support/processes.ts'
import type { RelayProc } from './support/processes.ts'

function oneLine (stderr: string): string {
  const lines = stderr.split('\n').filter(l => l.trim().length > 0)
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^chatsphere: /)
  return lines[0] as string
}

describe('CLI error paths', () => {
  let relay: RelayProc | undefined
  afterAll(async () => {
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('unknown command and bad option: usage error', async () => {
    const dir = await tempDir()
    const a = await cli(['--data', dir, 'frobnicate'])
    expect(a.code).toBe(2)
    oneLine(a.stderr)
    const b = await cli(['--data', dir, 'read', 'x', '--limit'])
    expect(b.code).toBe(2)
    oneLine(b.stderr)
  })

  it('no identity yet, unknown room, bad invite, ambiguous input', async () => {
    const dir = await tempDir()
    const noId = await cli(['--data', dir, 'room', 'create', 'x'])
    expect(noId.code).toBe(1)
    expect(oneLine(noId.stderr)).toContain('id create')
    const peer = await makePeer('Ana', [])
    const unknown = await peer.run(['send', 'nowhere', 'hi'])
    expect(unknown.code).toBe(1)
    expect(oneLine(unknown.stderr)).toContain('no room named "nowhere"')
    const badInvite = await peer.run(['room', 'join', 'https://example.org/not-an-invite'])
    expect(badInvite.code).toBe(2)
    oneLine(badInvite.stderr)
    const again = await peer.run(['id', 'create'])
    expect(again.code).toBe(1)
    expect(oneLine(again.stderr)).toContain('already exists')
  })

  it('unreachable relay: send stores locally, says so, exits 3; delivered once a relay is up', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const ana = await makePeer('Ana', [url])
    const invite = (await ana.run(['room', 'create', 'later'])).stdout.trim()
    const sent = await ana.run(['send', 'later', 'written offline'])
    expect(sent.code).toBe(3)
    expect(oneLine(sent.stderr)).toContain('stored locally only')
    const read = await ana.run(['read', 'later', '--json'])
    expect(read.code).toBe(3)
    expect(jsonLines<{ text: string, delivery: { state: string } }>(read.stdout)[0]).toMatchObject({ text: 'written offline', delivery: { state: 'local' } })
    oneLine(read.stderr)

    relay = await startRelayProc({ port })
    const ben = await makePeer('Ben', [url])
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)
    // Ana comes online (any command that goes online delivers what was stored locally).
    const flush = await ana.run(['send', 'later', 'online now'])
    expect(flush.code).toBe(0)
    const benRead = await ben.run(['read', 'later', '--json'])
    expect(jsonLines<{ text: string }>(benRead.stdout).map(l => l.text)).toEqual(['written offline', 'online now'])
  })

  it('relay flags are validated and --help documents flags and environment variables', async () => {
    const bad = await cli(['relay', '--port', 'abc'])
    expect(bad.code).toBe(2)
    oneLine(bad.stderr)
    const help = await cli(['relay', '--help'])
    expect(help.code).toBe(0)
    for (const flag of ['--port', '--host', '--tcp-port', '--data', '--peer', '--max-rooms', '--tls', '--log-level', 'CHATSPHERE_PORT', 'CHATSPHERE_PEERS']) {
      expect(help.stdout).toContain(flag)
    }
    const peerHelp = await cli(['--help'])
    expect(peerHelp.stdout).toContain('CHATSPHERE_RELAYS')
    expect(LOOPBACK_PEER).toContain('--no-mdns')
  })
})
