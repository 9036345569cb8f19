/**
 * Entry of embed.html: the page other sites load in a (usually hidden) iframe through the SDK.
 * It shows what it is doing, for whom; it never registers the service worker (inside another
 * site's page its storage is partitioned anyway) and never reads its URL for permissions.
 */
import { WorkerBridge } from '../app/worker-bridge';
import { loadEmbedConfig } from './config';
import { startEmbedHost, type HostView } from './host';
import './embed.css';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const stage = $<HTMLParagraphElement>('stage');
const bar = $<HTMLProgressElement>('progress');
const detail = $<HTMLParagraphElement>('detail');

const view: HostView = {
  idle(allowed) {
    document.documentElement.dataset.state = 'idle';
    status.textContent = allowed.length
      ? 'Heirloom is ready. Photos sent here are restored on this device and never uploaded.'
      : 'Heirloom is not set up for embedding: no site is allowed in heirloom.config.json.';
    if (window.parent === window) detail.textContent = 'This page is meant to be embedded by another site with the Heirloom SDK.';
  },
  started(origin, queued) {
    document.documentElement.dataset.state = 'busy';
    status.textContent = `Heirloom is restoring a photo for ${origin}${queued ? ` (${queued} waiting)` : ''}`;
    stage.textContent = 'Starting';
    bar.hidden = false;
    bar.removeAttribute('value');
    detail.textContent = '';
  },
  progress(origin, p) {
    status.textContent = `Heirloom is restoring a photo for ${origin}`;
    const eta = p.etaMs !== undefined && p.etaMs > 0 ? ` · about ${Math.ceil(p.etaMs / 1000)} s left` : '';
    stage.textContent = `${p.stage}${eta}`;
    if (p.total > 0) {
      bar.max = p.total;
      bar.value = Math.min(p.done, p.total);
    }
  },
  finished(origin, outcome, text) {
    document.documentElement.dataset.state = 'idle';
    status.textContent = outcome === 'done' ? `Restored a photo for ${origin}` : outcome === 'cancelled' ? `${origin} cancelled its photo` : `Could not restore the photo for ${origin}`;
    stage.textContent = '';
    bar.hidden = true;
    detail.textContent = text;
  },
};

startEmbedHost({ config: loadEmbedConfig(), backend: new WorkerBridge('auto'), view });
