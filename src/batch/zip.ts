/**
 * Builds the "download all" zip with fflate, streaming: results are read one at a time and
 * stored without recompression (PNG is already compressed), so the zip is as fast as a copy
 * and only one result is in JS memory at once; finished parts go into Blob parts, which the
 * browser may keep on disk.
 */
import { Zip, ZipPassThrough } from 'fflate';
import { outputName } from '../app/download';
import { safeFileName } from './names';
import type { BatchItem } from './store';

/**
 * The zip entry names for done items: "<original path>-heirloom-x2.png", unique, no "..", no
 * control or bidirectional characters (safeFileName).
 */
export function zipEntryNames(items: readonly Pick<BatchItem, 'name' | 'suffix'>[]): string[] {
  const used = new Set<string>();
  return items.map((item) => {
    const safe = safeFileName(item.name).split(/[\\/]+/).filter((p) => p && p !== '.' && p !== '..').join('/') || 'photo';
    const name = outputName(safe, item.suffix ?? '-heirloom', 'image/png');
    let unique = name;
    for (let n = 2; used.has(unique.toLowerCase()); n++) unique = name.replace(/(\.png)$/, ` (${n})$1`);
    used.add(unique.toLowerCase());
    return unique;
  });
}

/** A zip of every done item's result, in queue order. */
export async function zipResults(items: readonly BatchItem[]): Promise<Blob> {
  const done = items.filter((i) => i.status === 'done' && i.result);
  const names = zipEntryNames(done);
  const parts: BlobPart[] = [];
  let chunks: Uint8Array[] = [];
  let failed: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else chunks.push(chunk);
  });
  const flush = () => {
    if (chunks.length) parts.push(new Blob(chunks as BlobPart[]));
    chunks = [];
  };
  for (let i = 0; i < done.length; i++) {
    const entry = new ZipPassThrough(names[i]!);
    zip.add(entry);
    entry.push(new Uint8Array(await done[i]!.result!.arrayBuffer()), true);
    flush();
    if (failed) throw failed;
  }
  zip.end();
  flush();
  if (failed) throw failed;
  return new Blob(parts, { type: 'application/zip' });
}
