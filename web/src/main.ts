// Entry point: defines the shell element and registers the service worker (offline after first load).
import './components/cs-app.ts'

if ('serviceWorker' in navigator && import.meta.env.PROD) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((err: unknown) => { console.warn('service worker not registered', err) })
  })
}
