#!/usr/bin/env node
// Runs a script under Node 22+, whatever Node started us.
//
// libp2p 3 needs Node 22 (Promise.withResolvers, global WebSocket). Machines of our CI kind ship Node 20
// and Debian offers only Node 18, so when the running Node is too old we fetch the official Node 22 binary
// from the npm registry (package node-<platform>-<arch>, which has no install script) into .runtime/ once,
// and re-run the script with it. This file must stay plain JavaScript that Node 14+ can parse.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RUNTIME_VERSION = '22.23.3'
const MIN_MAJOR = 22
const MIN_MINOR = 12
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function versionOk (version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number)
  return major > MIN_MAJOR || (major === MIN_MAJOR && minor >= MIN_MINOR)
}

function fail (sentence) {
  process.stderr.write(sentence + '\n')
  process.exit(1)
}

/** Path of a Node >= 22.12 binary, fetching the registry runtime when the current Node is older. */
export function resolveNode22 () {
  if (versionOk(process.version)) return process.execPath
  if (process.env.CHATSPHERE_NODE && existsSync(process.env.CHATSPHERE_NODE)) return process.env.CHATSPHERE_NODE
  const pkg = `node-${process.platform}-${process.arch}`
  const bin = join(root, '.runtime', 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (existsSync(bin)) return bin
  const supported = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64'].includes(`${process.platform}-${process.arch}`)
  if (!supported) fail(`ChatSphere needs Node.js ${MIN_MAJOR}.${MIN_MINOR} or newer (this is ${process.version}); please install it and run the command again.`)
  process.stderr.write(`ChatSphere needs Node.js ${MIN_MAJOR}; this is ${process.version}, so fetching the Node ${RUNTIME_VERSION} runtime from the npm registry into .runtime/ (once).\n`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const res = spawnSync(npm, ['install', '--prefix', join(root, '.runtime'), '--no-save', '--no-package-lock',
    '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${RUNTIME_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] })
  if (res.status !== 0 || !existsSync(bin)) {
    fail(`ChatSphere needs Node.js ${MIN_MAJOR}.${MIN_MINOR} or newer (this is ${process.version}) and could not fetch it from the npm registry; please install Node ${MIN_MAJOR} and run the command again.`)
  }
  return bin
}

/** Node flags for running our TypeScript sources directly (type stripping is on by default from 22.18). */
export function nodeFlags (binary) {
  const v = binary === process.execPath
    ? process.version
    : spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim()
  const [major, minor] = v.replace(/^v/, '').split('.').map(Number)
  const flags = ['--disable-warning=ExperimentalWarning']
  if (major === 22 && minor < 18) flags.push('--experimental-strip-types')
  return flags
}

/** Runs `args` (script first) under Node 22 and mirrors its exit; signals are passed on so Ctrl-C and SIGTERM stop it cleanly. */
export function runUnderNode22 (args) {
  const binary = resolveNode22()
  const child = spawn(binary, [...nodeFlags(binary), ...args], { stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => { child.kill(sig) })
  }
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal)
    else process.exit(code ?? 1)
  })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv[2] === '--print-path') {
    process.stdout.write(resolveNode22() + '\n')
  } else {
    runUnderNode22(process.argv.slice(2))
  }
}
