/**
 * An exclusive lock on a data directory: a `LOCK` file created with O_EXCL holding the owner's pid and host.
 * A lock left by a process that no longer runs (kill -9, power loss) is taken over; a live owner makes the second
 * opener fail with DataDirLockedError instead of two processes appending to the same files.
 * Limits: pid reuse after a crash can make a stale lock look live (the message names the pid so a person can
 * check); a lock from another host (shared network dir) is never taken over.
 */
import { link, open, readdir, readFile, rm, stat } from 'node:fs/promises'
import { unlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { DataDirLockedError } from '../errors.ts'
import { syncDir } from './file-update-store.ts'

export const LOCK_FILE = 'LOCK'
/** A lock file younger than this with unreadable contents is being written by its owner right now. */
const FRESH_LOCK_MS = 5_000

interface LockInfo { pid: number, host: string, since: number }

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export interface DirLock { release (): Promise<void> }

/** Removes `LOCK.tmp-<pid>` files of processes that no longer run (killed while taking the lock). */
async function removeStaleTemps (dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const pid = Number(/^LOCK\.tmp-(\d+)$/.exec(name)?.[1])
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) await rm(join(dir, name), { force: true })
  }
}

/** Takes the lock of `dir` (which must exist) or throws DataDirLockedError. */
export async function lockDataDir (dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE)
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // Written in full to a file of our own, then linked into place (atomic, fails if LOCK exists): a process killed
      // between creating LOCK and writing it left an empty LOCK that made the next opener fail for FRESH_LOCK_MS
      // (found by scripts/crash.mjs). A leftover temp file of a killed process is harmless and removed below.
      const tmp = `${path}.tmp-${process.pid}`
      const fh = await open(tmp, 'w')
      try {
        const info: LockInfo = { pid: process.pid, host: hostname(), since: Date.now() }
        await fh.writeFile(JSON.stringify(info))
        await fh.sync()
      } finally { await fh.close() }
      try { await link(tmp, path) } finally { await rm(tmp, { force: true }) }
      await removeStaleTemps(dir)
      await syncDir(dir)
      const onExit = (): void => { try { unlinkSync(path) } catch { /* already gone */ } }
      process.once('exit', onExit)
      let released = false
      return {
        async release () {
          if (released) return
          released = true
          process.removeListener('exit', onExit)
          await rm(path, { force: true })
        }
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    let info: LockInfo | undefined
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') info = parsed as LockInfo
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
    }
    if (info === undefined) {
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: 0 }))).mtimeMs
      if (age < FRESH_LOCK_MS) throw new DataDirLockedError(`The data directory ${dir} is being opened by another ChatSphere process right now.`)
    } else if (info.host !== hostname()) {
      throw new DataDirLockedError(`The data directory ${dir} is locked by a ChatSphere process on host ${info.host} (pid ${info.pid}). If that process is gone, delete ${path}.`)
    } else if (alive(info.pid)) {
      throw new DataDirLockedError(`The data directory ${dir} is already in use by another ChatSphere process (pid ${info.pid}${info.pid === process.pid ? ', this one' : ''}). Close it first, or choose another data directory.`)
    }
    // Stale: its owner is gone. Remove and try again (another opener may win the race; then we report it).
    await rm(path, { force: true })
  }
  throw new DataDirLockedError(`Could not lock the data directory ${dir}: another process keeps taking it.`)
}
