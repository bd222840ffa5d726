import { css } from 'lit'

/** Controls shared by every element: buttons, fields, focus ring, visually hidden text. Colours are tokens. */
export const sharedStyles = css`
  :host { font-family: var(--cs-font); color: var(--cs-text); }
  * { box-sizing: border-box; }
  button, input, textarea, select { font: inherit; color: inherit; }
  button {
    display: inline-flex; align-items: center; justify-content: center; gap: var(--cs-space-2);
    min-height: 40px; padding: 0 var(--cs-space-4); border-radius: 999px; cursor: pointer;
    border: 1px solid var(--cs-border); background: var(--cs-surface); color: var(--cs-text); font-weight: 600;
  }
  button:hover { background: var(--cs-surface-2); }
  button.primary { background: var(--cs-accent); border-color: var(--cs-accent); color: var(--cs-accent-text); }
  button.primary:hover { filter: brightness(1.08); }
  button.ghost { border-color: transparent; background: transparent; }
  button.ghost:hover { background: var(--cs-surface-2); }
  button.icon { width: 40px; padding: 0; }
  button.danger { color: var(--cs-danger); }
  button[disabled], button[aria-disabled="true"] { opacity: .55; cursor: not-allowed; }
  input[type="text"], input[type="search"], input[type="password"], input[type="url"], textarea, select {
    width: 100%; min-height: 40px; padding: var(--cs-space-2) var(--cs-space-3); border-radius: var(--cs-radius-small);
    border: 1px solid var(--cs-border); background: var(--cs-surface); color: var(--cs-text);
  }
  input[readonly] { background: var(--cs-surface-2); }
  label { font-weight: 600; font-size: .95rem; }
  :focus-visible { outline: 3px solid var(--cs-focus); outline-offset: 2px; }
  input:focus-visible, textarea:focus-visible, select:focus-visible { outline-offset: 0; }
  a { color: var(--cs-link); }
  .visually-hidden {
    position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
    clip: rect(0 0 0 0); white-space: nowrap; border: 0;
  }
  .muted { color: var(--cs-text-muted); }
  /* minmax(0, 1fr), not the implicit auto column: a long unbreakable value (a select's longest option, an id) must
     wrap or cut inside the field instead of widening the whole screen. */
  .field { display: grid; grid-template-columns: minmax(0, 1fr); gap: var(--cs-space-1); }
  .row { display: flex; gap: var(--cs-space-2); align-items: center; flex-wrap: wrap; }
  dialog {
    border: 1px solid var(--cs-border); border-radius: var(--cs-radius); padding: var(--cs-space-5);
    background: var(--cs-surface); color: var(--cs-text); box-shadow: var(--cs-shadow);
    width: min(480px, calc(100vw - 32px)); max-height: calc(100dvh - 32px);
  }
  dialog::backdrop { background: rgba(10, 12, 20, .5); }
  /* A name without spaces (a room, a person) wraps inside the heading instead of widening its dialog or screen. */
  h1, h2, h3 { margin: 0; line-height: 1.2; overflow-wrap: anywhere; }
  .error { color: var(--cs-danger); }
`
