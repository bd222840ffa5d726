/**
 * Linked devices: how long linking a device through a relay takes (new device reachable only on a relay circuit),
 * how long until the relinked device shows the history, how long a revocation takes (epoch rotation of every room),
 * and how big the link code is. Prints a table and writes bench/results/devices-link.json. Numbers from a busy shared
 * machine are noisy.
 *
 *   node scripts/node22.mjs bench/devices-link.ts [rooms=5] [rounds=3]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChat } from '../src/index.ts'
import { printTable, writeResults } from './lib/report.ts'
import { spawnRelay } from './p1-support.ts'
import type { Chat } from '../src/chat/index.ts'

const ROOMS = Number(process.argv[2] ?? '5')
const ROUNDS = Number(process.argv[3] ?? '3')
const WAIT_MS = 60_000

async function until (check: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

const tmp = await mkdtemp(join(tmpdir(), 'cs-devbench-'))
const relay = await spawnRelay(join(tmp, 'relay'))
const rows: Array<Record<string, number | string>> = []
try {
  for (let round = 0; round < ROUNDS; round++) {
    const base = { relays: [relay.url], mdns: false, webrtc: false }
    const laptop: Chat = await createChat({ ...base, dataDir: join(tmp, `laptop-${round}`), listen: ['/ip4/127.0.0.1/tcp/0'], displayName: 'Ana', deviceName: 'laptop' })
    await laptop.waitForRelay(WAIT_MS)
    const rooms: string[] = []
    for (let i = 0; i < ROOMS; i++) {
      const r = await laptop.createRoom(`room ${i}`)
      rooms.push(r.id)
      await laptop.send(r.id, `hello ${i}`)
    }
    for (const r of rooms) await laptop.waitForRelaySync(r, WAIT_MS)
    const dir = join(tmp, `phone-${round}`)
    let phone: Chat = await createChat({ ...base, dataDir: dir, listen: ['/p2p-circuit'], deviceName: 'phone' })
    await phone.waitForRelay(WAIT_MS)
    const t0 = performance.now()
    const offer = await phone.createLinkOffer()
    const t1 = performance.now()
    await laptop.linkDevice(offer.code)
    await offer.done
    const t2 = performance.now()
    await phone.close()
    phone = await createChat({ ...base, dataDir: dir, listen: ['/p2p-circuit'], deviceName: 'phone' })
    await until(() => rooms.every(r => phone.messages(r).length > 0))
    const t3 = performance.now()
    const r0 = performance.now()
    const res = await laptop.revokeDevice(phone.peerId as string)
    const r1 = performance.now()
    rows.push({
      round,
      rooms: ROOMS,
      'offer ms': Math.round(t1 - t0),
      'link ms': Math.round(t2 - t1),
      'restart+history ms': Math.round(t3 - t2),
      'revoke ms': Math.round(r1 - r0),
      rotated: res.rotated,
      'code chars': offer.code.length
    })
    await phone.close()
    await laptop.close()
  }
} finally {
  await relay.stop()
  await rm(tmp, { recursive: true, force: true })
}
printTable('Linked devices through a relay (new device on a relay circuit only)', rows)
console.log('wrote', writeResults('devices-link', { rooms: ROOMS, rows }))
