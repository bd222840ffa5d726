/** Unsent composer text per room, kept on this device across reloads. */
const PREFIX = 'chatsphere:draft:'
/** Drafts longer than this are not kept (a stuck paste must not fill localStorage). */
const MAX_DRAFT_CHARS = 16 * 1024

export function loadDraft (roomId: string): string {
  return localStorage.getItem(PREFIX + roomId) ?? ''
}

export function saveDraft (roomId: string, text: string): void {
  if (text.trim() === '' || text.length > MAX_DRAFT_CHARS) localStorage.removeItem(PREFIX + roomId)
  else localStorage.setItem(PREFIX + roomId, text)
}
