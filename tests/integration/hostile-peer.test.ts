/**
 * A hostile peer publishes garbage, forged and replayed frames on a room's topics through the relay: the relay drops
 * writes not signed by the room write key (counted in /metrics), honest peers show none of them (and each replayed
 * honest message once) and keep working.
 */
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createChat } from '../../src/chat/index.ts'
import { decodeRoomArchive } from '../../src/chat/room-archive.ts'
import { encodeCbor } from '../../src/envelope/codec.ts'
import { parseInviteLink } from '../../src/room/invite.ts'
import { deriveRoomKeys } from '../../src/room/keys.ts'
import { cleanupDirs, jsonLines, makePeer, ROOT, startRelayProc, tempDir } from './support/processes.ts'
import type { Proc, RelayProc } from './support/processes.ts'

async function runHostile (relayAddr: string, topic: string, eph: string, captured: string): Promise<string> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', join(ROOT, 'tests/integration/support/hostile-peer.ts'), relayAddr, topic, eph, '8', captured], { cwd: ROOT })
  let out = ''
  child.stdout.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr.on('data', (c: Buffer) => { out += c.toString() })
  const code = await new Promise<number | null>(resolve => child.on('exit', resolve))
  if (code !== 0) throw new Error(`hostile peer failed: ${out}`)
  return out
}

describe('hostile peer', () => {
  let relay: RelayProc | undefined
  const procs: Proc[] = []

  afterAll(async () => {
    for (const p of procs) await p.stop()
    await relay?.proc.stop()
    await cleanupDirs()
  })

  it('garbage, forged and replayed frames are dropped; honest peers keep working', async () => {
    relay = await startRelayProc()
    const [ana, ben] = await Promise.all([makePeer('Ana', [relay.url]), makePeer('Ben', [relay.url])])
    const invite = (await ana.run(['room', 'create', 'guarded'])).stdout.trim()
    expect((await ben.run(['room', 'join', invite])).code).toBe(0)
    expect((await ana.run(['send', 'guarded', 'honest 1'])).code).toBe(0)

    const benFollow = ben.spawn(['read', 'guarded', '--follow', '--json'])
    procs.push(benFollow)
    await benFollow.waitLine(l => l.includes('"following"'), 30_000, 'Ben following')

    const keys = deriveRoomKeys(parseInviteLink(invite).secret)
    const tcp = relay.multiaddrs.find(a => !a.includes('/ws')) as string
    // The attacker's material: Ana's stored log updates (ciphertext, no secret), as captured earlier by someone who
    // saw them pass (the relay serves history only to members now, so it is no longer the source).
    const anaOffline = await createChat({ dataDir: ana.data, offline: true })
    const captured = decodeRoomArchive(await anaOffline.exportRoom('guarded')).updates
    await anaOffline.close()
    const capturedFile = join(await tempDir('cs-captured-'), 'updates.cbor')
    await writeFile(capturedFile, encodeCbor(captured))
    const out = await runHostile(tcp, keys.topic, keys.ephemeralTopic, capturedFile)
    expect(out).toContain('"phase":"done"')
    // The replays are of real honest updates (Ana's log as stored): "honest 1" at least.
    const replayed = jsonLines<{ phase?: string, count?: number }>(out).find(l => l.phase === 'replayed')
    expect(replayed?.count ?? 0).toBeGreaterThan(0)

    expect((await ana.run(['send', 'guarded', 'honest 2'])).code).toBe(0)
    // Live, this takes milliseconds: by gossip, or (a CLI send often publishes before the relay's subscription has
    // arrived) by the relay's push of what Ana synced to it. Once in ~10 runs the follower used to get it only at its
    // keep refresh (KEEP_REFRESH_MS, 60 s): Ana's CLI exited as soon as the relay held the message, the relay took the
    // session for failed and pushed nothing (fixed in relay/relay-sync.ts). Less than a refresh, so that shows again.
    await benFollow.waitLine(l => l.includes('honest 2'), 30_000, 'honest message after the attack')
    await benFollow.stop()

    const read = await ben.run(['read', 'guarded', '--json'])
    const texts = jsonLines<{ text: string }>(read.stdout).map(l => l.text)
    expect(texts).toEqual(['honest 1', 'honest 2'])
    expect(read.stdout).not.toContain('FORGED')

    // Each publishing identity (garbage, forged) is graylisted and cut off by its third rejected frame
    // (src/net/prompt-graylist.ts), so what is certain is: both identities struck, at least 3 frames of each judged and
    // counted (the rest never reach the relay, or are counted as graylisted), forged writes among them. Polled: the
    // relay may still be checking the last frames when the attacker has exited.
    const relayNow = relay
    const dropped = async (): Promise<number> => Object.entries(await relayNow.metrics())
      .filter(([k]) => k.startsWith('chatsphere_relay_frames_dropped_total')).reduce((a, [, v]) => a + v, 0)
    await expect.poll(dropped, { timeout: 30_000 }).toBeGreaterThanOrEqual(6)
    await expect.poll(async () => (await relayNow.metrics()).chatsphere_relay_peers_struck_total ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(2)
    const m = await relay.metrics()
    expect(m['chatsphere_relay_frames_dropped_total{reason="bad-write-signature"}'] ?? 0).toBeGreaterThan(0)
  }, 180_000)
})
