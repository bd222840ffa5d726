/**
 * The history guard: every Yjs update from the network passes here before it may touch a room's Y.Doc.
 * It parses the update with the strict bounded reader (never with Yjs), then checks each frame's room write
 * signature. One bad part rejects the whole update: a peer cannot smuggle a delete in next to honest frames.
 */
import { logger } from '@libp2p/logger'
import { RejectedUpdateError } from '../errors.ts'
import { parseLogUpdate, UpdateRejection } from './update-codec.ts'
import type { ParsedUpdate, ParseLimits, RejectReason } from './update-codec.ts'

const log = logger('chatsphere:history')

/** Checks one frame; resolves when its room write signature (and kind) are valid, rejects otherwise. */
export type FrameVerifier = (frame: Uint8Array) => Promise<unknown>

export interface UpdateGuardInit {
  /** Verifies one frame's room write signature (see PROTOCOL.md "Frame"). */
  verifyFrame: FrameVerifier
  /** Overrides of the size and count limits (defaults in src/constants.ts). */
  limits?: ParseLimits
}

/** Thrown by {@link UpdateGuard.check}; `reason` says which rule the update broke. */
export class RejectedLogUpdateError extends RejectedUpdateError {
  readonly reason: RejectReason
  constructor (reason: RejectReason, message: string, options?: { cause?: unknown }) {
    super(`${reason}: ${message}`, options)
    this.name = 'RejectedUpdateError'
    this.reason = reason
  }
}

export interface UpdateGuard {
  /** Resolves with the parsed update when every rule holds; throws {@link RejectedLogUpdateError} otherwise. */
  check (update: Uint8Array): Promise<ParsedUpdate>
  /** Rejections so far, by reason. */
  readonly rejections: Readonly<Partial<Record<RejectReason, number>>>
}

/** Creates a guard for one room. */
export function createUpdateGuard (init: UpdateGuardInit): UpdateGuard {
  const rejections: Partial<Record<RejectReason, number>> = {}
  const logged = new Set<RejectReason>()

  function reject (reason: RejectReason, message: string, cause?: unknown): never {
    rejections[reason] = (rejections[reason] ?? 0) + 1
    if (!logged.has(reason)) {
      logged.add(reason)
      log('rejected an update (%s): %s; further rejections for this reason are only counted', reason, message)
    }
    throw new RejectedLogUpdateError(reason, message, { cause })
  }

  return {
    rejections,
    async check (update) {
      let parsed: ParsedUpdate
      try {
        parsed = parseLogUpdate(update, init.limits)
      } catch (err) {
        if (err instanceof UpdateRejection) reject(err.reason, err.message)
        // The reader only throws UpdateRejection; anything else (RangeError on absurd input) is still garbage.
        reject('malformed', String(err), err)
      }
      // All frames at once: a verifier that works off the main thread (the default) then uses every core.
      const outcomes = await Promise.allSettled(parsed.items.map(async item => { await init.verifyFrame(item.frame) }))
      for (const [i, o] of outcomes.entries()) {
        if (o.status === 'rejected') {
          const item = parsed.items[i]
          reject('bad-frame', `frame at ${item?.client}:${item?.clock} fails verification (${(o.reason as Error)?.name ?? 'error'})`, o.reason)
        }
      }
      return parsed
    }
  }
}
