/**
 * ICE servers from the settings: one per line, a `stun:`, `turn:` or `turns:` URL, for TURN followed by a user name
 * and a password separated by spaces. None by default: no public STUN server is contacted unless the user says so.
 */

/** Most ICE servers kept (a browser gathers candidates from every one of them on each connection). */
export const MAX_ICE_SERVERS = 8

const URL_RE = /^(stun|turn|turns):[^\s]{1,253}$/

/** Parses settings lines; malformed lines are skipped (the settings screen shows which ones were kept). */
export function parseIceServers (lines: readonly string[]): RTCIceServer[] {
  const out: RTCIceServer[] = []
  for (const line of lines) {
    const [url, username, credential] = line.trim().split(/\s+/)
    if (url === undefined || !URL_RE.test(url)) continue
    const server: RTCIceServer = { urls: url }
    if (url.startsWith('turn') && username !== undefined && credential !== undefined) {
      server.username = username
      server.credential = credential
    }
    out.push(server)
    if (out.length >= MAX_ICE_SERVERS) break
  }
  return out
}
