/**
 * Photos shared to the installed app (the manifest's share_target). The service worker
 * (public/share-target-sw.js) receives the POST, keeps each file in the SHARED_CACHE cache under
 * `<base>shared/<share id>/<index>` and redirects to `<base>?shared=<share id>`; the page then takes
 * them from there. The two sides agree on these names.
 */
export const SHARE_TARGET_PATH = 'share-target';
export const SHARED_CACHE = 'heirloom-shared';
const SHARED_PARAM = 'shared';

/** The share id in this page's URL, if it was opened by a share. */
export function shareIdFromUrl(url: URL = new URL(location.href)): string | null {
  return url.searchParams.get(SHARED_PARAM);
}

/**
 * Takes the files of one share out of the cache (in the order they were shared) and drops the
 * share id from the address bar, so a reload does not open them again.
 */
export async function takeSharedFiles(id: string, base = new URL(import.meta.env.BASE_URL, location.href).href): Promise<File[]> {
  const cache = await caches.open(SHARED_CACHE);
  const prefix = `${base}shared/${encodeURIComponent(id)}/`;
  const keys = (await cache.keys()).filter((r) => r.url.startsWith(prefix));
  keys.sort((a, b) => Number(a.url.slice(prefix.length)) - Number(b.url.slice(prefix.length)));
  const files: File[] = [];
  for (const key of keys) {
    const res = await cache.match(key);
    if (res) {
      const blob = await res.blob();
      files.push(new File([blob], decodeURIComponent(res.headers.get('X-File-Name') ?? 'shared photo'), { type: blob.type }));
    }
    await cache.delete(key);
  }
  const url = new URL(location.href);
  url.searchParams.delete(SHARED_PARAM);
  history.replaceState(history.state, '', url);
  return files;
}
