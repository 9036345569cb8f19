/**
 * The host's runtime configuration, `heirloom.config.json` next to embed.html. A site that
 * hosts Heirloom edits this file after the build (it is copied as is from public/ and is not
 * precached by the service worker), so the allowlist changes without a rebuild:
 *
 *   { "embed": { "allowedOrigins": ["https://family-archive.example"] } }
 *
 * Only this file decides who may embed: the page's URL (query, hash) is never read for it.
 */
export interface EmbedConfig {
  /** Exact origins (scheme://host[:port]) whose pages may send photos to the embed page. */
  allowedOrigins: string[];
}

export const CONFIG_FILE = 'heirloom.config.json';

/** Parses the config file's JSON; anything malformed or suspicious is dropped with a warning. */
export function parseEmbedConfig(json: unknown, warn: (msg: string) => void = console.warn): EmbedConfig {
  const list = (json as { embed?: { allowedOrigins?: unknown } } | null)?.embed?.allowedOrigins;
  if (list === undefined) return { allowedOrigins: [] };
  if (!Array.isArray(list)) {
    warn(`${CONFIG_FILE}: embed.allowedOrigins must be an array of origins`);
    return { allowedOrigins: [] };
  }
  const allowedOrigins: string[] = [];
  for (const entry of list) {
    const origin = normalizeOrigin(entry);
    if (origin) allowedOrigins.push(origin);
    else warn(`${CONFIG_FILE}: ignoring ${JSON.stringify(entry)}: not an http(s) origin such as "https://example.com"`);
  }
  return { allowedOrigins: [...new Set(allowedOrigins)] };
}

/** "https://Example.com:443/" -> "https://example.com"; wildcards, paths and other schemes -> undefined. */
export function normalizeOrigin(entry: unknown): string | undefined {
  if (typeof entry !== 'string' || entry.includes('*')) return undefined;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined;
  return url.origin;
}

/** Fetches the config from the host, bypassing the HTTP cache so an edit takes effect at once. */
export async function loadEmbedConfig(base: string | URL = document.baseURI): Promise<EmbedConfig> {
  try {
    const res = await fetch(new URL(CONFIG_FILE, base), { cache: 'no-store', credentials: 'same-origin' });
    if (!res.ok) {
      if (res.status !== 404) console.warn(`${CONFIG_FILE}: HTTP ${res.status}; no site may embed Heirloom`);
      return { allowedOrigins: [] };
    }
    return parseEmbedConfig(await res.json());
  } catch (err) {
    console.warn(`${CONFIG_FILE} could not be read; no site may embed Heirloom:`, err);
    return { allowedOrigins: [] };
  }
}
