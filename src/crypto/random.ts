/** Cryptographically secure random bytes from the platform CSPRNG (WebCrypto in browsers and in Node ≥ 20). */

/** Requests up to this size are served from a pool refilled by one CSPRNG call (a nonce per message was 2 % of a seal+open round). */
const POOLED_MAX_BYTES = 64
const POOL_BYTES = 4096
const pool = new Uint8Array(POOL_BYTES)
let poolAt = POOL_BYTES

export function randomBytes (n: number): Uint8Array {
  if (n <= POOLED_MAX_BYTES) {
    if (poolAt + n > POOL_BYTES) {
      globalThis.crypto.getRandomValues(pool)
      poolAt = 0
    }
    // Each pooled byte is handed out once and wiped, so no two callers ever share random bytes.
    const out = pool.slice(poolAt, poolAt + n)
    pool.fill(0, poolAt, poolAt + n)
    poolAt += n
    return out
  }
  const out = new Uint8Array(n)
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  }
  return out
}
