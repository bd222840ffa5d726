/**
 * Child process of the kill -9 test: appends sealed frames to a room log in a data dir as fast as it can and
 * prints `ack <message id hex>` after each append resolved (that is, after the record is fsynced). Appends run in
 * concurrent bursts, as a chat does when several messages are sent or arrive at once.
 * argv: dataDir roomSecretHex compactAfterRecords
 */
import { openStorage } from '../../../src/storage/node.ts'
import { openRoomLog } from '../../../src/history/room-log.ts'
import { deriveRoomKeys } from '../../../src/room/keys.ts'
import { createIdentity } from '../../../src/identity/identity.ts'
import { sealMessage } from '../../../src/envelope/seal.ts'

const [dir, secretHex, compactAfter] = process.argv.slice(2) as [string, string, string]
const room = deriveRoomKeys(Uint8Array.from(Buffer.from(secretHex, 'hex')))
const storage = await openStorage({ dir })
const store = await storage.openRoom(room.roomIdText)
const log = await openRoomLog({ store, roomId: room.roomId, writePublicKey: room.writePublicKey, compactAfterRecords: Number(compactAfter) })
const identity = createIdentity()
const device = Math.floor(Math.random() * 0xffff_ffff)
process.stdout.write('ready\n')
// Bursts of concurrent appends (1 to 8), so group commit (several records per fdatasync) is killed mid-way too.
for (let seq = 1; ;) {
  const burst = 1 + (seq % 8)
  const sealed = []
  for (let i = 0; i < burst; i++, seq++) {
    sealed.push(await sealMessage({ identity, room, device, seq, body: { k: 'text', text: `crash test ${seq} ${'z'.repeat(seq % 200)}` } }))
  }
  await Promise.all(sealed.map(async s => {
    await log.append(s.frame)
    process.stdout.write(`ack ${s.idText}\n`)
  }))
}
