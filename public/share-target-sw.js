/**
 * Photos shared to the installed app: the web manifest's share_target POSTs them here (multipart,
 * field "files"). Imported by the generated service worker (vite.config.ts, workbox.importScripts)
 * ahead of Workbox's own routes. Each file is kept in the "heirloom-shared" cache under
 * <scope>shared/<share id>/<index> and the app is opened at <scope>?shared=<share id>; the page
 * takes them from there (src/app/shared-files.ts, which holds the same names). Nothing leaves the device.
 */
self.addEventListener('fetch', (event) => {
  const scope = self.registration.scope;
  const url = new URL(event.request.url);
  if (event.request.method !== 'POST' || url.href.split('?')[0] !== new URL('share-target', scope).href) return;
  event.respondWith((async () => {
    let files = [];
    try {
      files = (await event.request.formData()).getAll('files').filter((f) => typeof f !== 'string');
    } catch {
      // Not a multipart share: open the app with nothing shared.
    }
    const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const cache = await caches.open('heirloom-shared');
    await Promise.all(files.map((f, i) => cache.put(
      new Request(`${scope}shared/${id}/${i}`),
      new Response(f, { headers: { 'Content-Type': f.type || 'application/octet-stream', 'X-File-Name': encodeURIComponent(f.name) } }),
    )));
    // 303: the browser follows with a GET of the app, so a reload does not post the share again.
    return Response.redirect(files.length ? `${scope}?shared=${id}` : scope, 303);
  })());
});
