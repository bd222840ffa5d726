/** Maps an error from the envelope or history layer to the reason a dropped frame is counted under. */
export function dropReasonOf (err: unknown): string {
  switch ((err as Error | undefined)?.name) {
    case 'BadSignatureError': return 'bad-signature'
    case 'DecryptionError': return 'decryption'
    case 'MalformedError': return 'malformed'
    case 'OversizedError': return 'oversized'
    case 'WrongRoomError': return 'wrong-room'
    case 'OldEpochError': return 'old-epoch'
    case 'ReplayError': return 'replay'
    case 'ClockSkewError': return 'clock-skew'
    case 'RejectedUpdateError': return 'rejected-update'
    default: return 'error'
  }
}
