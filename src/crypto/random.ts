/** Cryptographically secure random bytes from the platform CSPRNG (WebCrypto in browsers and in Node ≥ 20). */
export function randomBytes (n: number): Uint8Array {
  const out = new Uint8Array(n)
  // getRandomValues fills at most 65536 bytes per call.
  for (let i = 0; i < n; i += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)))
  }
  return out
}
