/**
 * `chatsphere relay [options]` (also `npm start`): flags, their CHATSPHERE_* environment equivalents, JSON logs with
 * pino, graceful shutdown on SIGTERM/SIGINT.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { Command, InvalidArgumentError as CommanderArgError, Option } from 'commander'
import { pino } from 'pino'
import {
  DEFAULT_RELAY_CIRCUIT_DATA_BYTES, DEFAULT_RELAY_CIRCUIT_DURATION_MS, DEFAULT_RELAY_DATA_DIR_NAME, DEFAULT_RELAY_HOST,
  DEFAULT_RELAY_MAX_CONNECTIONS, DEFAULT_RELAY_MAX_RESERVATIONS, DEFAULT_RELAY_MAX_ROOMS, DEFAULT_RELAY_PORT, KEPT_ROOM_IDLE_UNLOAD_MS,
  DEFAULT_RELAY_TCP_PORT, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC
} from '../src/constants.ts'
import { startRelay } from './relay.ts'
import type { RelayOptions } from './relay.ts'

function int (name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new CommanderArgError(`${name} must be a whole number from ${min} to ${max}`)
    return n
  }
}

function collect (value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map(s => s.trim()).filter(s => s.length > 0)]
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** The relay's command (used standalone and as `chatsphere relay`). */
export function relayCommand (name = 'relay'): Command {
  const cmd = new Command(name)
  cmd.description('Run a ChatSphere relay: serves the web app, helps peers find each other (circuit relay v2), and keeps the encrypted history of rooms whose members ask it to.')
    .addOption(new Option('--port <port>', 'HTTP(S) port: web app, info document, /healthz, /metrics and libp2p WebSockets').env('CHATSPHERE_PORT').default(DEFAULT_RELAY_PORT).argParser(int('--port', 0, 65535)))
    .addOption(new Option('--host <address>', 'address to listen on').env('CHATSPHERE_HOST').default(DEFAULT_RELAY_HOST))
    .addOption(new Option('--tcp-port <port>', 'libp2p TCP port for Node peers and relays ("off" to disable, 0 = any free port)').env('CHATSPHERE_TCP_PORT').default(String(DEFAULT_RELAY_TCP_PORT)))
    .addOption(new Option('--data <dir>', 'data directory: peer key, TLS certificate, kept rooms (encrypted)').env('CHATSPHERE_RELAY_DATA').default(join(homedir(), DEFAULT_RELAY_DATA_DIR_NAME)))
    .addOption(new Option('--peer <multiaddr>', 'another relay to federate with (repeatable, or comma-separated)').env('CHATSPHERE_PEERS').argParser(collect))
    .addOption(new Option('--announce <host>', 'extra host name or address to announce, e.g. a public DNS name (repeatable)').env('CHATSPHERE_ANNOUNCE').argParser(collect))
    .addOption(new Option('--max-rooms <n>', 'most rooms kept at once').env('CHATSPHERE_MAX_ROOMS').default(DEFAULT_RELAY_MAX_ROOMS).argParser(int('--max-rooms', 0, GOSSIP_MAX_SUBSCRIPTIONS_PER_RPC / 2)))
    .addOption(new Option('--room-idle-unload <ms>', 'close a kept room\'s log after this long unused (it reopens on demand; bounds memory)').env('CHATSPHERE_ROOM_IDLE_UNLOAD').default(KEPT_ROOM_IDLE_UNLOAD_MS).argParser(int('--room-idle-unload', 10, 86_400_000)))
    .addOption(new Option('--max-reservations <n>', 'most circuit relay reservations at once').env('CHATSPHERE_MAX_RESERVATIONS').default(DEFAULT_RELAY_MAX_RESERVATIONS).argParser(int('--max-reservations', 0, 1_000_000)))
    .addOption(new Option('--circuit-duration <seconds>', 'longest a relayed connection may last').env('CHATSPHERE_CIRCUIT_DURATION').default(DEFAULT_RELAY_CIRCUIT_DURATION_MS / 1000).argParser(int('--circuit-duration', 1, 86_400)))
    .addOption(new Option('--circuit-data <MiB>', 'most data one relayed connection may carry, in MiB').env('CHATSPHERE_CIRCUIT_DATA').default(DEFAULT_RELAY_CIRCUIT_DATA_BYTES / 1024 / 1024).argParser(int('--circuit-data', 1, 1_000_000)))
    .addOption(new Option('--max-connections <n>', 'most libp2p connections').env('CHATSPHERE_MAX_CONNECTIONS').default(DEFAULT_RELAY_MAX_CONNECTIONS).argParser(int('--max-connections', 1, 1_000_000)))
    .addOption(new Option('--tls', 'serve HTTPS and wss with a self-signed certificate kept in the data dir (secure context for LAN browsers)').env('CHATSPHERE_TLS'))
    .addOption(new Option('--web-dir <dir>', 'directory of the built web app (default: web/dist of this checkout)').env('CHATSPHERE_WEB_DIR'))
    .addOption(new Option('--no-web', 'do not serve the web app'))
    .addOption(new Option('--no-build-web', 'do not build the web app when it is missing'))
    .addOption(new Option('--log-level <level>', `log level: ${LEVELS.join(', ')}`).env('CHATSPHERE_LOG_LEVEL').default('info').choices(LEVELS))
    .addHelpText('after', `
Logs are JSON lines on stdout (pino). SIGTERM or SIGINT stops the relay gracefully.
Every option can also be set with the environment variable shown next to it (lists comma-separated).`)
  return cmd
}

/** Parses relay flags (argv without the program name) and runs the relay until SIGTERM/SIGINT. */
export async function runRelayCli (argv: string[], defaults: { data?: string } = {}): Promise<void> {
  const cmd = relayCommand('chatsphere relay')
  cmd.exitOverride()
  cmd.configureOutput({ writeErr: (s) => process.stderr.write(`chatsphere: ${(s.split('\n').find(l => l.trim().length > 0) ?? 'failed').replace(/^error: /, '')}\n`) })
  cmd.action(() => {})
  await cmd.parseAsync(argv, { from: 'user' })
  const o = cmd.opts()
  const logger = pino({ level: o.logLevel as string, base: { service: 'chatsphere-relay' } })
  const tcp = String(o.tcpPort)
  const tcpPort = tcp === 'off' ? null : int('--tcp-port', 0, 65535)(tcp)
  const options: RelayOptions = {
    dataDir: cmd.getOptionValueSource('data') === 'default' && defaults.data != null ? defaults.data : o.data as string,
    host: o.host as string,
    port: o.port as number,
    tcpPort,
    announce: (o.announce as string[] | undefined) ?? [],
    peers: (o.peer as string[] | undefined) ?? [],
    maxRooms: o.maxRooms as number,
    roomIdleUnloadMs: o.roomIdleUnload as number,
    maxReservations: o.maxReservations as number,
    circuitDurationMs: (o.circuitDuration as number) * 1000,
    circuitDataBytes: (o.circuitData as number) * 1024 * 1024,
    maxConnections: o.maxConnections as number,
    tls: o.tls === true || o.tls === '1' || o.tls === 'true',
    webDir: o.web === false ? null : (o.webDir as string | undefined),
    buildWeb: o.buildWeb !== false,
    logger
  }
  const relay = await startRelay(options)
  await new Promise<void>(resolve => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping')
      relay.stop().then(resolve, (err: Error) => { logger.error({ err: err.message }, 'stop failed'); resolve() })
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  })
}
