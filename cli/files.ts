/** Finding photos, naming outputs, sharding: pure functions of the file list (no image work). */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep, posix } from 'node:path';
import { FORMAT_EXT, IMAGE_EXTENSIONS, type CliFormat } from './codec';

export interface Job {
  /** Path relative to the input folder, always with "/" (stable across machines and OSes). */
  rel: string;
  input: string;
  /** Final output path; it only ever appears complete (written to a temp name, then renamed). */
  output: string;
  /** Output path relative to the output folder, "/"-separated. */
  outRel: string;
  size: number;
}

/** Every file under `dir` (recursively, sorted, hidden files and `skip` excluded), relative with "/". */
export function walk(dir: string, skip?: string): string[] {
  const root = resolve(dir);
  const skipAbs = skip ? resolve(skip) : undefined;
  const out: string[] = [];
  const visit = (abs: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(abs, e.name);
      if (skipAbs && (p === skipAbs || p.startsWith(skipAbs + sep))) continue;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        try {
          const st = statSync(p);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue;
        }
      }
      if (isDir) visit(p);
      else if (isFile) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  visit(root);
  return out;
}

export function isImageName(rel: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(rel).toLowerCase());
}

/** FNV-1a (32-bit) of the UTF-8 relative path: stable across machines, Node versions and runs. */
export function stableHash(rel: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(rel)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`--shard must look like i/n (e.g. 0/4), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`--shard ${text}: need 0 <= i < n`);
  return { index, count };
}

export function inShard(rel: string, shard: Shard | undefined): boolean {
  return !shard || stableHash(rel) % shard.count === shard.index;
}

/**
 * Output paths for every photo: `<dir>/<name><suffix>.<ext>` (or `<dir>/<name>.<ext>` with
 * keepNames). When two photos in one folder would get the same output (a.jpg and a.png), both
 * keep their original extension in the name (a-jpg-heirloom-x2.png, a-png-heirloom-x2.png).
 * Computed over the whole collection, so every shard names files the same way.
 */
export function outputNames(rels: string[], suffix: string, format: CliFormat, keepNames: boolean): Map<string, string> {
  const ext = FORMAT_EXT[format];
  const plain = (rel: string) => {
    const dir = posix.dirname(rel);
    const base = posix.basename(rel).replace(/\.[^.]*$/, '') || 'photo';
    return { dir, base };
  };
  const name = (dir: string, base: string) => (dir === '.' ? '' : `${dir}/`) + `${base}${keepNames ? '' : suffix}.${ext}`;
  const count = new Map<string, number>();
  for (const rel of rels) {
    const { dir, base } = plain(rel);
    const key = name(dir, base).toLowerCase();
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const out = new Map<string, string>();
  for (const rel of rels) {
    const { dir, base } = plain(rel);
    const first = name(dir, base);
    if (count.get(first.toLowerCase())! > 1) {
      const origExt = posix.extname(rel).slice(1).toLowerCase();
      out.set(rel, name(dir, `${base}-${origExt}`));
    } else out.set(rel, first);
  }
  return out;
}

/** Temp name for an output being written: never mistaken for a finished output on resume. */
export function tempName(output: string): string {
  return `${output}.${process.pid}.heirloom-tmp`;
}
