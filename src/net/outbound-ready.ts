/**
 * Whether gossipsub can send to a peer now. A peer's subscriptions arrive over the stream it opened to us, while our
 * own stream to it may still be opening; a publish in that gap skips the peer (it has no recipient), so a sender that
 * waited only for the subscription could publish to nobody (a relay-less LAN send then exited "stored locally only").
 *
 * Reads gossipsub's `streamsOutbound` map (js gossipsub v14); if the field is missing, answers true (the subscription
 * alone, as before).
 */
export function canSendTo (pubsub: unknown, peerId: string): boolean {
  const outbound = (pubsub as { streamsOutbound?: unknown }).streamsOutbound
  return outbound instanceof Map ? outbound.has(peerId) : true
}
