// Runs a relay in its own process from relay/relay.ts, for the browser tests while the `chatsphere relay` command
// (src/cli/main.ts) is not in the tree. Arguments: <port> <data dir>.
import pino from 'pino'
import { startRelay } from '../../../relay/relay.ts'

const [port, dataDir] = process.argv.slice(2)
if (port === undefined || dataDir === undefined) throw new Error('usage: relay-process.ts <port> <data dir>')
const relay = await startRelay({ dataDir, host: '127.0.0.1', port: Number(port), tcpPort: null, logger: pino({ level: 'warn' }) })
console.log(`relay ${relay.peerId} on ${relay.url}`)
const stop = (): void => { void relay.stop().then(() => process.exit(0)) }
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
