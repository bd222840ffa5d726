#!/usr/bin/env node
// The `chatsphere` command. Plain JavaScript so any Node can start it and get a clear sentence, not a stack
// trace, when it is too old; the CLI itself is TypeScript run by Node 22.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runUnderNode22 } from '../scripts/node22.mjs'

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.ts')
runUnderNode22([main, ...process.argv.slice(2)])
