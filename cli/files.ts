/** Finding photos, naming outputs, sharding: pure functions of the file list (no image work). */
import { readdirSync, realpathSync, statSync } from 'node:fs';
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

/** What a walk left out, so the run can say so rather than skip it silently. */
export interface WalkReport {
  /** Names starting with "." (files and folders), relative with "/". */
  hidden: string[];
  /** Symbolic links whose target lies outside the input folder. */
  linksOutside: string[];
  /** Folders reached again through a link (a loop, or a second way in): walked once only. */
  revisited: string[];
}

/**
 * Every file under `dir` (recursively, sorted, `skip` excluded), relative with "/". Links are
 * followed only inside `dir` and each real folder is walked once, so a link loop cannot
 * multiply the work (one photo became 681 jobs) and a link cannot reach outside. Hidden
 * entries are not walked; they and the links left out go into `report`.
 */
export function walk(dir: string, skip?: string, report?: WalkReport): string[] {
  const root = realpathSync(resolve(dir));
  const skipAbs = skip ? resolve(skip) : undefined;
  const inside = (real: string) => real === root || real.startsWith(root + sep);
  const seen = new Set<string>();
  const out: string[] = [];
  const rel = (p: string) => relative(resolve(dir), p).split(sep).join('/');
  const visit = (abs: string, real: string) => {
    if (seen.has(real)) return void report?.revisited.push(rel(abs) || '.');
    seen.add(real);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(abs, e.name);
      if (e.name.startsWith('.')) {
        report?.hidden.push(rel(p));
        continue;
      }
      if (skipAbs && (p === skipAbs || p.startsWith(skipAbs + sep))) continue;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      let target = join(real, e.name);
      if (e.isSymbolicLink()) {
        try {
          target = realpathSync(p);
          const st = statSync(target);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          continue; // dangling link
        }
        if (!inside(target)) {
          report?.linksOutside.push(rel(p));
          continue;
        }
      }
      if (isDir) visit(p, target);
      else if (isFile) out.push(rel(p));
    }
  };
  visit(resolve(dir), root);
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
    const full = count.get(first.toLowerCase())! > 1 ? name(dir, `${base}-${posix.extname(rel).slice(1).toLowerCase()}`) : first;
    out.set(rel, fitName(full, rel, `${keepNames ? '' : suffix}.${ext}`));
  }
  return out;
}

/**
 * Longest output file name, in UTF-8 bytes: file systems allow 255, and the temporary name adds
 * `.<pid>.heirloom-tmp` (up to 22 bytes). Longer names failed with a raw ENAMETOOLONG.
 */
export const MAX_OUTPUT_NAME_BYTES = 200;

/**
 * `outRel` with its file name shortened to MAX_OUTPUT_NAME_BYTES when needed: the original name
 * is cut at a character boundary and followed by `~` and 8 hex digits of the input's path hash
 * (two long names that start alike still get different outputs, the same on every shard), then
 * `ending` (the suffix and extension) as usual.
 */
function fitName(outRel: string, inRel: string, ending: string): string {
  const slash = outRel.lastIndexOf('/');
  const file = outRel.slice(slash + 1);
  if (Buffer.byteLength(file) <= MAX_OUTPUT_NAME_BYTES) return outRel;
  const tag = `~${stableHash(inRel).toString(16).padStart(8, '0')}${ending}`;
  let cut = '';
  for (const ch of file.slice(0, file.length - ending.length)) {
    if (Buffer.byteLength(cut + ch + tag) > MAX_OUTPUT_NAME_BYTES) break;
    cut += ch;
  }
  return outRel.slice(0, slash + 1) + cut + tag;
}

/** Temp name for an output being written: never mistaken for a finished output on resume. */
export function tempName(output: string): string {
  return `${output}.${process.pid}.heirloom-tmp`;
}
