/**
 * Child process of the kill -9 test: appends sealed frames to a room log in a data dir as fast as it can and
 * prints `ack <message id hex>` after each append resolved (that is, after the record is fsynced).
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
for (let seq = 1; ; seq++) {
  const sealed = await sealMessage({ identity, room, device, seq, body: { k: 'text', text: `crash test ${seq} ${'z'.repeat(seq % 200)}` } })
  await log.append(sealed.frame)
  process.stdout.write(`ack ${sealed.idText}\n`)
}
