import { Workbox } from 'workbox-window';
import { keepRuntime } from './runtime-cache';

/**
 * Registers the service worker, which precaches the app shell and the one-click models, and keeps
 * the runtime file this device loads (`runtimeUrl`, asked of the worker). `data-offline-ready`
 * is set on <html> once both are in place: from then on the one-click restore works offline.
 */
export function registerOffline(runtimeUrl: () => Promise<string>): void {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return;
  const wb = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL });
  let kept: Promise<void> | undefined;
  const ready = () => {
    kept ??= runtimeUrl()
      .then(keepRuntime)
      .then(() => void (document.documentElement.dataset.offlineReady = 'true'))
      .catch((err) => {
        kept = undefined;
        console.warn('The runtime could not be kept for offline use:', err);
      });
  };
  wb.addEventListener('activated', (e) => {
    if (!e.isUpdate) ready();
  });
  wb.register().then((reg) => {
    // Already controlled from an earlier visit: the shell is precached; make sure of the runtime.
    if (reg?.active && navigator.serviceWorker.controller) ready();
  }).catch((err) => console.warn('Offline support unavailable:', err));
}
