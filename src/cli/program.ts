/** The `chatsphere` command line (commander). */
import { Command, Option } from 'commander'
import { defaultDataDir, PEER_ENV, resolveGlobals } from './context.ts'
import { idCreate, idExport, idImport, idShow } from './commands-id.ts'
import { interactive, read, send } from './commands-message.ts'
import { contactLink, contactList, contactShow, contactVerify, dm } from './commands-dm.ts'
import { roomCreate, roomJoin, roomLeave, roomList } from './commands-room.ts'
import { roomMembers, roomModerate, roomPromote } from './commands-roles.ts'
import { deviceLinkExisting, deviceLinkNew, deviceList, deviceRevoke } from './commands-device.ts'
import { get, sendFile } from './commands-media.ts'
import type { GlobalOptions } from './context.ts'

function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

/** Runs a relay in this process; relay/ is loaded only when asked, so peer commands never load the relay. */
export type RelayRunner = (argv: string[], defaults: { data?: string }) => Promise<void>

export function buildProgram (runRelay: RelayRunner): Command {
  const program = new Command('chatsphere')
  program
    .description('Peer-to-peer chat: end-to-end encrypted rooms, no accounts, history that survives being offline.')
    .option('--data <dir>', `data directory (identity, rooms, history) [default: ${defaultDataDir()}]`)
    .option('--relay <url|multiaddr>', 'relay to use: http(s) address (its info document is fetched) or multiaddr with /p2p/ (repeatable)', collect)
    .option('--no-mdns', 'do not look for peers on the local network')
    .option('--no-keep', 'do not ask relays to keep the history of your rooms')
    .option('--json', 'machine-readable output (JSON lines)')
    .addOption(new Option('--listen <multiaddr>', 'libp2p listen address (repeatable; default: TCP on all interfaces, relay reservation, WebRTC)').argParser(collect))
    .addOption(new Option('--no-webrtc', 'do not use WebRTC'))
    .addOption(new Option('--webrtc-bind <address>', 'address WebRTC binds ICE candidates to (127.0.0.1 on loopback-only hosts)'))
    .addHelpText('after', '\nEnvironment:\n' + Object.entries(PEER_ENV).map(([k, v]) => `  ${k.padEnd(24)}${v}`).join('\n') +
      '\n\nExamples:\n  chatsphere id create --name Ana\n  chatsphere room create friends\n  chatsphere --relay http://localhost:8470 send friends "hello"\n  chatsphere --relay http://localhost:8470 read friends --follow --json\n  chatsphere relay --port 8470\n')
    .showSuggestionAfterError(true)

  const g = (): GlobalOptions => resolveGlobals(program.opts())

  const id = program.command('id').description('your identity (a keypair: no account, no password on any server)')
  id.command('create').description('create a new identity and print its recovery phrase')
    .option('--name <name>', 'display name shown to others').option('--force', 'replace an existing identity')
    .action(async (o: { name?: string, force?: boolean }) => { await idCreate(g(), o) })
  id.command('show').description('show your user id, fingerprint and name').action(async () => { await idShow(g()) })
  id.command('export').description('back up your identity as the recovery phrase or a passphrase-encrypted key file')
    .option('--mnemonic', 'print the 24-word recovery phrase').option('--key-file <file>', 'write an encrypted key file (passphrase from CHATSPHERE_PASSPHRASE or --passphrase-file)')
    .option('--passphrase-file <file>', 'read the key file passphrase from this file')
    .action(async (o: { mnemonic?: boolean, keyFile?: string, passphraseFile?: string }) => { await idExport(g(), o) })
  id.command('import').description('restore an identity from its recovery phrase or key file')
    .option('--mnemonic <words>', 'the 24-word recovery phrase (quoted)').option('--key-file <file>', 'an encrypted key file')
    .option('--passphrase-file <file>', 'read the key file passphrase from this file').option('--name <name>', 'display name')
    .option('--force', 'replace an existing identity')
    .action(async (o: { mnemonic?: string, keyFile?: string, passphraseFile?: string, force?: boolean, name?: string }) => { await idImport(g(), o) })

  const room = program.command('room').description('rooms: create, join, list, leave, members, kick, ban, promote')
  room.command('create <name>').description('create a room and print its invite link').action(async (name: string) => { await roomCreate(g(), name) })
  room.command('join <invite>').description('join a room from its invite link').option('--name <name>', 'local name for the room')
    .action(async (invite: string, o: { name?: string }) => { await roomJoin(g(), invite, o) })
  room.command('list').description('list your rooms').action(async () => { await roomList(g()) })
  room.command('leave <room>').description('leave a room (by name or id prefix)').action(async (ref: string) => { await roomLeave(g(), ref) })
  room.command('members <room>').description('members and their roles (owner, admin, moderator, member)').action(async (ref: string) => { await roomMembers(g(), ref) })
  room.command('kick <room> <user-id>').description('remove a member (moderator or above); starts a new key epoch they cannot read')
    .action(async (ref: string, userId: string) => { await roomModerate(g(), 'kick', ref, userId) })
  room.command('ban <room> <user-id>').description('ban a user (removed and kept out); starts a new key epoch they cannot read')
    .action(async (ref: string, userId: string) => { await roomModerate(g(), 'ban', ref, userId) })
  room.command('unban <room> <user-id>').description('lift a ban (re-add them with promote --role member)')
    .action(async (ref: string, userId: string) => { await roomModerate(g(), 'unban', ref, userId) })
  room.command('promote <room> <user-id>').description('change a member\'s role (admins and the owner; default: one step up)')
    .option('--role <role>', 'admin | moderator | member (or owner: hand the room over)')
    .action(async (ref: string, userId: string, o: { role?: string }) => { await roomPromote(g(), ref, userId, o) })

  const device = program.command('device').description('one identity on several devices: link, list, revoke')
  device.command('link [code]').description('without a code: show a link code (and QR) on this NEW device and wait; with a code: link that device to your identity')
    .option('--name <name>', 'this device\'s name in your device list (default: host name)').option('--replace', 'new device: replace the identity this data dir already has')
    .action(async (code: string | undefined, o: { name?: string, replace?: boolean }) => { await (code == null ? deviceLinkNew(g(), o) : deviceLinkExisting(g(), code, o)) })
  device.command('list').description('list your devices (* = this one)').action(async () => { await deviceList(g()) })
  device.command('revoke <device>').description('revoke a device (id, id prefix or name): it reads nothing sent after')
    .action(async (ref: string) => { await deviceRevoke(g(), ref) })

  program.command('send <room> <text>').description('send a message; exits 0 once it is stored and handed to the network')
    .option('--reply-to <id>', 'reply to this message id')
    .action(async (ref: string, text: string, o: { replyTo?: string }) => { await send(g(), ref, text, o) })
  program.command('dm <user> <text>').description('send a direct message to a user id or contact link (opens the direct room); exits like send')
    .action(async (ref: string, text: string) => { await dm(g(), ref, text) })
  const contact = program.command('contact').description('contacts: safety numbers, verification, your contact link')
  contact.command('show <user-id>').description('show what you know of a user: name, fingerprint, safety number, verified, key changes')
    .action(async (userId: string) => { await contactShow(g(), userId) })
  contact.command('verify <user-id>').description('mark a user verified after comparing the safety number (stored on this device)')
    .option('--link <contact-link>', 'also check that their contact link carries the keys you hold')
    .action(async (userId: string, o: { link?: string }) => { await contactVerify(g(), userId, o) })
  contact.command('list').description('list your contacts (people you have a direct room with)').action(async () => { await contactList(g()) })
  contact.command('link').description('print your contact link (others start a direct conversation with it)').action(async () => { await contactLink(g()) })
  program.command('read <room>').description('print the history of a room, then (with --follow) new messages')
    .option('-f, --follow', 'keep printing new messages').option('--limit <n>', 'only the last n messages')
    .option('--json', 'JSON lines: id, authorId, authorName, text, time, delivery, ...')
    .action(async (ref: string, o: { follow?: boolean, limit?: string, json?: boolean }) => {
      const globals = g()
      if (o.json === true) globals.json = true
      await read(globals, ref, o)
    })
  program.command('send-file <room> <path>').description('send a file (photo, video, audio, any file) to a room; prints the message id')
    .option('--name <name>', 'file name shown to others (default: the file\'s name)').option('--mime <type>', 'MIME type (default: guessed from the extension)')
    .option('--serve', 'stay online and serve the file to room members until Ctrl-C')
    .action(async (ref: string, path: string, o: { name?: string, mime?: string, serve?: boolean }) => { await sendFile(g(), ref, path, o) })
  program.command('get <room> <message-id>').description('fetch the file of a message peer to peer (progress on stderr; resumes where it stopped)')
    .option('-o, --output <path>', 'where to write it (default: its name in the current directory; - for stdout)').option('--force', 'overwrite an existing file')
    .action(async (ref: string, id: string, o: { output?: string, force?: boolean }) => { await get(g(), ref, id, o) })
  program.command('chat <room>').description('interactive chat in a room').action(async (ref: string) => { await interactive(g(), ref) })
  program.command('relay').description('run a relay (see: chatsphere relay --help)')
    .helpOption(false).allowUnknownOption(true).allowExcessArguments(true)
    .action(async (_o: unknown, cmd: Command) => {
      const defaults: { data?: string } = {}
      const data = program.opts().data as string | undefined
      if (data != null) defaults.data = data
      await runRelay(cmd.args, defaults)
    })
  return program
}
