/**
 * Batched Ed25519 verification in the browser: WebCrypto already verifies off the main thread, so calls started
 * together overlap without any batching of ours. Selected by the `#verify-batch` import condition `browser`; the
 * Node twin (verify-batch.node.ts) shares batches with worker threads.
 */
import { signatureHolds, verifyInBackground } from './ed25519.browser.ts'

/**
 * Same answers as `verify` from `#ed25519`; calls made together run concurrently. With `signerSeed` (the seed of
 * `publicKey32`, held by the caller) the check re-signs first (`signatureHolds`): same answers, less work.
 */
export function verifyBatched (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array, signerSeed?: Uint8Array): Promise<boolean> {
  if (signerSeed !== undefined) return signatureHolds(signerSeed, publicKey32, message, signature64)
  return verifyInBackground(publicKey32, message, signature64)
}
