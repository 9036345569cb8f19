import { Workbox } from 'workbox-window';

/** Registers the service worker that precaches the app, the ORT runtime and the default models. */
export function registerOffline(): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  wb.addEventListener('activated', (e) => {
    if (!e.isUpdate) document.documentElement.dataset.offlineReady = 'true';
  });
  wb.register().then((reg) => {
    // Already controlled from an earlier visit: offline works now.
    if (reg?.active && navigator.serviceWorker.controller) document.documentElement.dataset.offlineReady = 'true';
  }).catch((err) => console.warn('Offline support unavailable:', err));
}
