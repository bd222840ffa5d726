import { LitElement, css, html } from 'lit'
import type { AppStore } from '../state/app-store.ts'
import type { ModerationEntry, Role, RoomSettings } from '../core/roles.ts'
import { LocaleController, t } from '../i18n/i18n.ts'
import { sharedStyles } from '../styles/shared.ts'
import { avatarFromFile } from '../lib/avatar-image.ts'
import './cs-avatar.ts'

const ROLE_KEYS = { owner: 'roleOwner', admin: 'roleAdmin', moderator: 'roleModerator', member: 'roleMember' } as const

/** The name of a role in the current language. */
export function roleName (role: Role): string { return t(ROLE_KEYS[role]) }

/**
 * Members and moderation of a room (src/roles): members with their roles and, only where our role allows it, change
 * role / kick / ban; banned users with unban; room settings (admins edit, others read); the moderation log, which
 * every member can read. Re-renders on backend changes while open.
 */
export class CsRoomAdminDialog extends LitElement {
  static override properties = {
    store: { attribute: false },
    roomId: { attribute: false },
    roomName: {},
    error: { state: true },
    status: { state: true },
    busy: { state: true },
    avatar: { state: true }
  }

  declare store: AppStore
  declare roomId: string
  declare roomName: string
  declare error: string
  declare status: string
  declare busy: boolean
  /** A room picture picked in the form, not saved yet (null: remove it). */
  declare avatar: string | null | undefined
  readonly #onChange = (): void => { this.requestUpdate() }

  constructor () {
    super()
    this.roomName = ''
    this.error = ''
    this.status = ''
    this.busy = false
    new LocaleController(this)
  }

  static override styles = [sharedStyles, css`
    /* The content is as wide as the dialog (it was 560 px, or 90vw, inside a 480 px dialog: it scrolled sideways). */
    dialog { width: min(600px, calc(100vw - 32px)); }
    .content { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-4); width: 100%; max-height: 80vh; overflow-y: auto; }
    section { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-2); }
    h3 { margin: 0; font-size: 1rem; }
    ul, ol { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-2); }
    li.member { display: flex; flex-wrap: wrap; align-items: center; gap: var(--cs-space-2); }
    .name { flex: 1; min-width: 8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .role { font-size: .85rem; color: var(--cs-text-muted); }
    .row { display: flex; flex-wrap: wrap; gap: var(--cs-space-2); align-items: center; }
    form { display: grid; gap: var(--cs-space-3); }
    fieldset { border: 0; padding: 0; margin: 0; display: grid; gap: var(--cs-space-3); }
    .field { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-1); }
    .log li { font-size: .9rem; }
    .actions { display: flex; justify-content: flex-end; }
    .file-label { position: relative; display: inline-flex; align-items: center; min-height: 40px; padding: 0 var(--cs-space-4); border-radius: 999px;
      border: 1px solid var(--cs-border); cursor: pointer; font-weight: 500; }
    .file-label:focus-within { outline: 3px solid var(--cs-focus); outline-offset: 2px; }
    .file-label input { position: absolute; opacity: 0; width: 1px; height: 1px; }
    p { margin: 0; }
  `]

  show (): void {
    this.error = ''
    this.status = ''
    this.avatar = undefined
    this.store?.backend?.addEventListener('change', this.#onChange)
    this.requestUpdate()
    this.renderRoot.querySelector('dialog')?.showModal()
  }

  close (): void { this.renderRoot.querySelector('dialog')?.close() }

  #closed (): void { this.store?.backend?.removeEventListener('change', this.#onChange) }

  override disconnectedCallback (): void {
    super.disconnectedCallback()
    this.#closed()
  }

  override render (): unknown {
    const backend = this.store?.backend
    if (backend === undefined || this.roomId === undefined) return html`<dialog aria-labelledby="ra-title"><h2 id="ra-title">${t('membersAndRoles')}</h2></dialog>`
    const roles = backend.roles
    const settings = roles.settings(this.roomId)
    const may = roles.permissions(this.roomId)
    const members = roles.members(this.roomId)
    const log = roles.moderationLog(this.roomId)
    const nameOf = (u: string): string => members.find((m) => m.userId === u)?.name ?? backend.person(u)?.name ?? u.slice(0, 10)
    const out = removedUsers(log)
    const banned = out.filter((u) => u.banned).map((u) => u.userId)
    const removed = out.filter((u) => !u.banned).map((u) => u.userId)
    return html`
      <dialog aria-labelledby="ra-title" @close=${() => { this.#closed() }}>
        <div class="content">
          <h2 id="ra-title">${t('membersAndRoles')}: ${this.roomName}</h2>
          ${settings.roles ? '' : html`<p class="muted">${t('openRoomNote')}</p>`}
          <section aria-labelledby="ra-members">
            <h3 id="ra-members">${t('membersHeading', { count: members.length })}</h3>
            <ul>${members.map((m) => {
              const assignable = may.assignable(m.userId)
              const selectId = `role-${m.userId}`
              return html`<li class="member">
                <cs-avatar .name=${m.name} .userId=${m.userId} .src=${m.avatar}></cs-avatar>
                <span class="name">${m.name}${m.userId === backend.me.userId ? html` (${t('you')})` : ''}
                  <span class="role">· ${roleName(m.role)}</span></span>
                ${assignable.length > 0 ? html`
                  <label class="visually-hidden" for=${selectId}>${t('newRoleFor', { name: m.name })}</label>
                  <select id=${selectId}>${assignable.map((r) => html`<option value=${r}>${roleName(r)}</option>`)}</select>
                  <button ?disabled=${this.busy} aria-label=${t('setRoleFor', { name: m.name })}
                    @click=${() => { void this.#setRole(m.userId, m.name, selectId) }}>${t('setRole')}</button>` : ''}
                ${may.canKick(m.userId) ? html`<button class="ghost" ?disabled=${this.busy} aria-label=${t('kickNamed', { name: m.name })}
                  @click=${() => { void this.#act(t('kickConfirm', { name: m.name }), async () => { await roles.kick(this.roomId, m.userId) }, t('kickedDone', { name: m.name })) }}>${t('kick')}</button>` : ''}
                ${may.canBan(m.userId) ? html`<button class="ghost danger" ?disabled=${this.busy} aria-label=${t('banNamed', { name: m.name })}
                  @click=${() => { void this.#act(t('banConfirm', { name: m.name }), async () => { await roles.ban(this.roomId, m.userId) }, t('bannedDone', { name: m.name })) }}>${t('ban')}</button>` : ''}
              </li>`
            })}</ul>
          </section>
          ${banned.length > 0 ? html`<section aria-labelledby="ra-banned">
            <h3 id="ra-banned">${t('bannedHeading')}</h3>
            <ul>${banned.map((u) => html`<li class="member"><span class="name">${nameOf(u)}</span>
              ${may.canBan(u) ? html`<button class="ghost" ?disabled=${this.busy} aria-label=${t('unbanNamed', { name: nameOf(u) })}
                @click=${() => { void this.#act(undefined, async () => { await roles.unban(this.roomId, u) }, t('unbannedDone', { name: nameOf(u) })) }}>${t('unban')}</button>` : ''}
            </li>`)}</ul>
          </section>` : ''}
          ${removed.length > 0 ? html`<section aria-labelledby="ra-removed">
            <h3 id="ra-removed">${t('removedHeading')}</h3>
            <ul>${removed.map((u) => html`<li class="member"><span class="name">${nameOf(u)}</span>
              ${may.assignable(u).includes('member') ? html`<button class="ghost" ?disabled=${this.busy} aria-label=${t('addBackNamed', { name: nameOf(u) })}
                @click=${() => { void this.#act(undefined, async () => { await roles.setRole(this.roomId, u, 'member') }, t('addedBackDone', { name: nameOf(u) })) }}>${t('addBack')}</button>` : ''}
            </li>`)}</ul>
          </section>` : ''}
          ${settings.roles ? this.#settingsForm(settings, may.canEditSettings) : ''}
          <section aria-labelledby="ra-log">
            <h3 id="ra-log">${t('moderationLog')}</h3>
            ${log.length === 0 ? html`<p class="muted">${t('moderationLogEmpty')}</p>` : html`<ol class="log">${log.map((e) => html`<li>${describe(e, nameOf)}</li>`)}</ol>`}
          </section>
          <p class="status" role="status">${this.status}</p>
          <p class="error" role="alert">${this.error}</p>
          <div class="actions"><button @click=${() => { this.close() }}>${t('close')}</button></div>
        </div>
      </dialog>
    `
  }

  #settingsForm (s: RoomSettings & { epoch: number }, editable: boolean): unknown {
    return html`<section aria-labelledby="ra-settings">
      <h3 id="ra-settings">${t('roomSettings')}</h3>
      <form @submit=${(e: SubmitEvent) => { e.preventDefault(); void this.#saveSettings() }}>
        <fieldset ?disabled=${!editable || this.busy}>
          <div class="field"><label for="rs-name">${t('roomName')}</label>
            <input id="rs-name" type="text" maxlength="120" autocomplete="off" .value=${s.name ?? this.roomName}></div>
          <div class="row">
            <cs-avatar .name=${s.name ?? this.roomName} .userId=${this.roomId} .src=${this.avatar === undefined ? s.avatar : (this.avatar ?? undefined)} size="48"></cs-avatar>
            ${editable ? html`<label class="file-label">${t('roomPicture')}<input type="file" accept="image/png,image/jpeg,image/webp,image/gif" @change=${this.#pickAvatar}></label>` : ''}
          </div>
          <div class="field"><label for="rs-topic">${t('roomTopic')}</label>
            <input id="rs-topic" type="text" maxlength="200" autocomplete="off" .value=${s.topic ?? ''}></div>
          <div class="field"><label for="rs-invite">${t('whoMayInvite')}</label>
            <select id="rs-invite" .value=${s.invite}>
              <option value="member" ?selected=${s.invite === 'member'}>${t('inviteMembers')}</option>
              <option value="moderator" ?selected=${s.invite === 'moderator'}>${t('inviteModerators')}</option>
              <option value="admin" ?selected=${s.invite === 'admin'}>${t('inviteAdmins')}</option>
            </select></div>
          <div class="field"><label for="rs-history">${t('historyVisibility')}</label>
            <select id="rs-history" .value=${s.history}>
              <option value="all" ?selected=${s.history === 'all'}>${t('historyAll')}</option>
              <option value="joined" ?selected=${s.history === 'joined'}>${t('historyJoined')}</option>
            </select></div>
          ${editable ? html`<div class="row"><button type="submit" class="primary">${t('saveSettings')}</button></div>` : html`<p class="muted">${t('settingsAdminsOnly')}</p>`}
        </fieldset>
      </form>
      <p class="muted">${t('keyEpochNote', { epoch: s.epoch })}</p>
    </section>`
  }

  async #act (confirmText: string | undefined, action: () => Promise<void>, done: string): Promise<void> {
    if (confirmText !== undefined && !confirm(confirmText)) return
    this.busy = true
    this.error = ''
    this.status = ''
    try {
      await action()
      this.status = done
    } catch (err) {
      this.error = t('moderationFailed', { error: err instanceof Error ? err.message : String(err) })
    } finally {
      this.busy = false
    }
  }

  async #setRole (userId: string, name: string, selectId: string): Promise<void> {
    const role = this.renderRoot.querySelector<HTMLSelectElement>(`[id="${selectId}"]`)?.value as Role | undefined
    if (role === undefined) return
    const confirmText = role === 'owner' ? t('ownerConfirm', { name }) : undefined
    await this.#act(confirmText, async () => { await this.store.backend?.roles.setRole(this.roomId, userId, role) }, t('roleSetDone', { name, role: roleName(role) }))
  }

  async #pickAvatar (e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0]
    if (file === undefined) return
    try { this.avatar = await avatarFromFile(file) } catch { this.error = t('errImage') }
  }

  async #saveSettings (): Promise<void> {
    const value = (id: string): string => this.renderRoot.querySelector<HTMLInputElement | HTMLSelectElement>(`#${id}`)?.value ?? ''
    const current = this.store.backend?.roles.settings(this.roomId)
    if (current === undefined) return
    const patch: Partial<RoomSettings> = {}
    const name = value('rs-name').trim()
    const topic = value('rs-topic').trim()
    if (name !== '' && name !== (current.name ?? this.roomName)) patch.name = name
    if (topic !== (current.topic ?? '')) patch.topic = topic
    const invite = value('rs-invite') as RoomSettings['invite']
    const history = value('rs-history') as RoomSettings['history']
    if (invite !== current.invite) patch.invite = invite
    if (history !== current.history) patch.history = history
    if (typeof this.avatar === 'string' && this.avatar !== current.avatar) patch.avatar = this.avatar
    if (Object.keys(patch).length === 0) { this.status = t('settingsUnchanged'); return }
    await this.#act(undefined, async () => { await this.store.backend?.roles.updateSettings(this.roomId, patch) }, t('settingsSaved'))
  }
}

/** Users out of the room by the log: banned, or removed (kicked or unbanned) and not added back by a role op. */
function removedUsers (log: readonly ModerationEntry[]): Array<{ userId: string, banned: boolean }> {
  const state = new Map<string, 'banned' | 'removed'>()
  for (const e of log) {
    if (e.user === undefined) continue
    if (e.action === 'ban') state.set(e.user, 'banned')
    else if (e.action === 'kick' || e.action === 'unban') state.set(e.user, 'removed')
    else if (e.action === 'role') state.delete(e.user)
  }
  return [...state].map(([userId, s]) => ({ userId, banned: s === 'banned' }))
}

/** One moderation entry in words. */
function describe (e: ModerationEntry, nameOf: (u: string) => string): string {
  const by = nameOf(e.by)
  const user = e.user !== undefined ? nameOf(e.user) : ''
  switch (e.action) {
    case 'genesis': return t('logGenesis', { by })
    case 'role': return t('logRole', { by, user, role: e.role !== undefined ? roleName(e.role) : '' })
    case 'kick': return t('logKick', { by, user })
    case 'ban': return t('logBan', { by, user })
    case 'unban': return t('logUnban', { by, user })
    case 'remove': return t('logRemove', { by, user })
    case 'restore': return t('logRestore', { by, user })
    case 'settings': return t('logSettings', { by, fields: Object.keys(e.settings ?? {}).join(', ') })
    case 'rekey': return t('logRekey', { by, epoch: e.epoch ?? 0 })
  }
}

customElements.define('cs-room-admin-dialog', CsRoomAdminDialog)

declare global {
  interface HTMLElementTagNameMap { 'cs-room-admin-dialog': CsRoomAdminDialog }
}
