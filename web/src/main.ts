// Entry point: defines the shell element and registers the service worker (offline after first load).
import './components/cs-app.ts'

/** The only script URL this app ever hands to a Trusted Types sink. */
const SERVICE_WORKER_URL = '/sw.js'

interface TrustedTypesLike {
  createPolicy: (name: string, rules: { createScriptURL: (url: string) => string }) => { createScriptURL: (url: string) => unknown }
}

/**
 * Under `require-trusted-types-for 'script'`, ServiceWorkerContainer.register needs a TrustedScriptURL. This named
 * policy accepts exactly the app's own worker and throws on anything else (no default policy, nothing generic).
 */
function workerUrl (): string {
  const tt = (globalThis as { trustedTypes?: TrustedTypesLike }).trustedTypes
  if (tt === undefined) return SERVICE_WORKER_URL
  const policy = tt.createPolicy('chatsphere-service-worker', {
    createScriptURL: (url) => {
      if (url !== SERVICE_WORKER_URL) throw new TypeError('only the app service worker may be registered')
      return url
    }
  })
  return policy.createScriptURL(SERVICE_WORKER_URL) as string
}

// Not under the dev server (import.meta.hot), whose modules are not the built files the worker caches.
if ('serviceWorker' in navigator && import.meta.hot === undefined) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register(workerUrl(), { scope: '/' }).catch((err: unknown) => { console.warn('service worker not registered', err) })
  })
}
