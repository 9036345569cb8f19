import type { OutputFormat } from '../core/image/browser-codec';

const EXT: Record<OutputFormat, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/** "Grandma 1962.jpeg" + "-heirloom-x2" + png -> "Grandma 1962-heirloom-x2.png". */
export function outputName(original: string, suffix: string, type: OutputFormat): string {
  const base = original.replace(/\.[^./\\]*$/, '') || 'photo';
  return `${base}${suffix}.${EXT[type]}`;
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function formatEta(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return 'under a second left';
  const s = Math.round(ms / 1000);
  return s < 60 ? `about ${s} s left` : `about ${Math.floor(s / 60)} min ${s % 60} s left`;
}
