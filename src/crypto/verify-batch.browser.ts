/**
 * Batched Ed25519 verification in the browser: WebCrypto already verifies off the main thread, so calls started
 * together overlap without any batching of ours. Selected by the `#verify-batch` import condition `browser`; the
 * Node twin (verify-batch.node.ts) shares batches with worker threads.
 */
import { verifyInBackground } from './ed25519.browser.ts'

/** Same answers as `verify` from `#ed25519`; calls made together run concurrently. */
export function verifyBatched (publicKey32: Uint8Array, message: Uint8Array, signature64: Uint8Array): Promise<boolean> {
  return verifyInBackground(publicKey32, message, signature64)
}
