import type { DropReason } from './metrics.ts'

/** Maps an error from the envelope or history layer to the metrics reason it is counted under. */
export function dropReason (err: unknown): DropReason {
  const name = (err as Error | undefined)?.name
  switch (name) {
    case 'BadSignatureError': return 'bad-write-signature'
    case 'MalformedError': case 'WrongRoomError': return 'malformed'
    case 'OversizedError': return 'oversized'
    case 'RejectedUpdateError': return 'rejected-update'
    default: return 'error'
  }
}
