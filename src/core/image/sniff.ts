/**
 * Recognises an image file from its first bytes and reads the dimensions its header declares,
 * without decoding anything. Framework-free: runs in workers, the page and Node.
 *
 * Used before decoding so that an "image bomb" (a tiny file declaring a huge canvas) is refused
 * without allocating, and so that formats Heirloom does not open (SVG, PDF, text) get a precise
 * message instead of a generic decode failure.
 */

export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'avif' | 'heic' | 'tiff' | 'svg' | 'pdf' | 'text' | 'unknown';

export interface Sniffed {
  format: SniffedFormat;
  /** Human name, for messages ("HEIC", "JPEG"). */
  label: string;
  /** As declared by the header; absent when the header does not say or is cut short. */
  width?: number;
  height?: number;
  /** Extra facts worth a message: CMYK JPEG, animated, bit depth. */
  animated?: boolean;
  bitDepth?: number;
  /** The bytes ended before the header said the size (JPEG's frame header, GIF's frames): read more. */
  needsMoreBytes?: boolean;
  /**
   * TIFF: the pages (full-resolution images, not reduced-size previews) found in the bytes read,
   * and whether that is all of them (false when the chain of pages goes on past those bytes).
   */
  pages?: number;
  pagesExact?: boolean;
}

/**
 * How many leading bytes to sniff first: enough for nearly every header (a JPEG's SOF usually
 * follows its EXIF block within it). When it is not, the result says needsMoreBytes.
 */
export const SNIFF_BYTES = 256 * 1024;

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));
const be16 = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const le16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const be32 = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
const le32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) | 0;

const HEIF_BRANDS = ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs', 'heif'];
const AVIF_BRANDS = ['avif', 'avis'];

export function sniffImage(b: Uint8Array): Sniffed {
  const n = b.length;
  // PNG (and APNG): signature, then IHDR with width, height, bit depth, colour type.
  if (n >= 8 && be32(b, 0) === 0x89504e47 && be32(b, 4) === 0x0d0a1a0a) {
    const out: Sniffed = { format: 'png', label: 'PNG' };
    if (n >= 26 && ascii(b, 12, 4) === 'IHDR') {
      out.width = be32(b, 16);
      out.height = be32(b, 20);
      out.bitDepth = b[24];
    }
    // APNG: an acTL chunk before the first IDAT.
    for (let at = 8; at + 8 <= n; ) {
      const len = be32(b, at);
      const type = ascii(b, at + 4, 4);
      if (type === 'acTL') out.animated = true;
      if (type === 'IDAT' || type === 'IEND') break;
      at += 12 + len;
    }
    return out;
  }
  if (n >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return sniffJpeg(b);
  if (n >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return sniffGif(b);
  if (n >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const out: Sniffed = { format: 'webp', label: 'WebP' };
    const chunk = n >= 16 ? ascii(b, 12, 4) : '';
    if (chunk === 'VP8 ' && n >= 30) {
      out.width = le16(b, 26) & 0x3fff;
      out.height = le16(b, 28) & 0x3fff;
    } else if (chunk === 'VP8L' && n >= 25) {
      const bits = le32(b, 21) >>> 0;
      out.width = (bits & 0x3fff) + 1;
      out.height = ((bits >>> 14) & 0x3fff) + 1;
    } else if (chunk === 'VP8X' && n >= 30) {
      out.animated = (b[20]! & 0x02) !== 0;
      out.width = (b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1;
      out.height = (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1;
    }
    return out;
  }
  if (n >= 2 && b[0] === 0x42 && b[1] === 0x4d) {
    const out: Sniffed = { format: 'bmp', label: 'BMP' };
    if (n >= 26) {
      out.width = Math.abs(le32(b, 18));
      out.height = Math.abs(le32(b, 22));
    }
    return out;
  }
  // ISO base media (HEIF/HEIC/AVIF): a 'ftyp' box with a major brand and compatible brands.
  if (n >= 12 && ascii(b, 4, 4) === 'ftyp') {
    const boxLen = Math.min(be32(b, 0), n);
    const brands = [ascii(b, 8, 4)];
    for (let at = 16; at + 4 <= boxLen; at += 4) brands.push(ascii(b, at, 4));
    if (AVIF_BRANDS.includes(brands[0]!)) return sniffHeifFamily(b, 'avif', 'AVIF');
    if (HEIF_BRANDS.includes(brands[0]!)) return sniffHeifFamily(b, 'heic', 'HEIC');
    if (brands.some((x) => AVIF_BRANDS.includes(x))) return sniffHeifFamily(b, 'avif', 'AVIF');
    if (brands.some((x) => HEIF_BRANDS.includes(x) || x === 'mif1' || x === 'msf1')) return sniffHeifFamily(b, 'heic', 'HEIC');
    return { format: 'unknown', label: `an ISO media file (${brands[0]!.trim()})` };
  }
  if (n >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))) {
    return sniffTiff(b);
  }
  if (n >= 5 && ascii(b, 0, 5) === '%PDF-') return { format: 'pdf', label: 'PDF' };
  // Text: SVG (XML with an <svg> root) or anything else printable.
  const head = decodeText(b.subarray(0, 4096));
  if (head !== null) {
    const trimmed = head.replace(/^\uFEFF/, '').trimStart();
    if (/<svg[\s>]/i.test(trimmed) && (trimmed.startsWith('<') || trimmed === '')) return { format: 'svg', label: 'SVG' };
    return { format: 'text', label: 'text' };
  }
  return { format: 'unknown', label: 'unknown' };
}

/**
 * JPEG: the first frame header (SOFn: baseline, progressive, lossless...), wherever it sits. The
 * walk skips segments by their length, and stray bytes between segments the way libjpeg does
 * (it scans on to the next 0xFF), so a frame header after megabytes of metadata or junk is still
 * found. Running out of bytes first sets needsMoreBytes.
 */
function sniffJpeg(b: Uint8Array): Sniffed {
  const out: Sniffed = { format: 'jpeg', label: 'JPEG' };
  const n = b.length;
  let at = 2;
  for (;;) {
    while (at < n && b[at] !== 0xff) at++; // junk before a marker
    while (at < n && b[at] === 0xff) at++; // fill bytes
    if (at + 3 > n) break;
    const marker = b[at]!;
    const segment = at - 1;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at++; continue; }
    if (marker === 0xda || marker === 0xd9) return out; // scan data / end without a frame header
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (segment + 9 > n) break;
      out.bitDepth = b[segment + 4];
      out.height = be16(b, segment + 5);
      out.width = be16(b, segment + 7);
      return out;
    }
    at = segment + 2 + be16(b, segment + 2);
  }
  out.needsMoreBytes = true;
  return out;
}

/**
 * GIF: decoders (Chromium's Wuffs among them) grow the canvas to hold a frame larger than the
 * logical screen, so the size is the union of the screen and every frame's rectangle: a 10x10
 * screen can hold a 20000x20000 frame. Walks every block to the trailer.
 */
function sniffGif(b: Uint8Array): Sniffed {
  const out: Sniffed = { format: 'gif', label: 'GIF' };
  const n = b.length;
  if (n < 13) return { ...out, needsMoreBytes: true };
  let width = le16(b, 6), height = le16(b, 8);
  let at = 13 + colourTableBytes(b[10]!);
  let frames = 0;
  let complete = false;
  const skipSubBlocks = () => {
    while (at < n && b[at] !== 0) at += b[at]! + 1;
    at++;
  };
  while (at < n) {
    const kind = b[at]!;
    if (kind === 0x21) { at += 2; skipSubBlocks(); continue; } // extension
    if (kind !== 0x2c) { complete = true; break; } // the trailer, or junk where decoders stop too
    if (at + 10 > n) break;
    frames++;
    width = Math.max(width, le16(b, at + 1) + le16(b, at + 5));
    height = Math.max(height, le16(b, at + 3) + le16(b, at + 7));
    at += 10 + colourTableBytes(b[at + 9]!) + 1; // descriptor, local colour table, LZW code size
    skipSubBlocks();
  }
  out.width = width;
  out.height = height;
  if (frames > 1) out.animated = true;
  if (!complete) out.needsMoreBytes = true;
  return out;
}

const colourTableBytes = (packed: number) => (packed & 0x80 ? 3 * (2 << (packed & 7)) : 0);

/**
 * HEIF family (HEIC, AVIF): the size is in an image spatial extents ('ispe') property; of several
 * (an iPhone photo has one per 512x512 grid tile, one for the whole grid, one for the
 * thumbnail), the largest counts. The properties sit in the 'meta' box, which a writer may put
 * after the image data: none found in the bytes read means read more; none in the whole file
 * means the size is unknown.
 */
function sniffHeifFamily(b: Uint8Array, format: 'heic' | 'avif', label: string): Sniffed {
  const out: Sniffed = { format, label };
  for (let at = 4; at + 16 <= b.length; at++) {
    if (b[at] !== 0x69 || ascii(b, at, 4) !== 'ispe') continue;
    const width = be32(b, at + 8), height = be32(b, at + 12);
    if (out.width === undefined || width * height > out.width * out.height!) Object.assign(out, { width, height });
  }
  if (out.width === undefined) out.needsMoreBytes = true;
  return out;
}

/** The TIFF tags read here (TIFF 6.0): everything a size check and a message need. */
const TIFF_TAG = { newSubfileType: 254, width: 256, height: 257, bitsPerSample: 258 } as const;
/** Stop following a chain of pages after this many (a loop, or a hostile chain). */
const TIFF_MAX_PAGES = 10_000;

/**
 * TIFF: the first image file directory (IFD) holds ImageWidth and ImageLength, the size the
 * decoder will allocate. The IFD can sit anywhere (libtiff writes it after the pixel data), so
 * an offset past the bytes read means read more. The chain of IFDs that follows counts the
 * pages (a multi-page scan; reduced-resolution previews do not count).
 */
function sniffTiff(b: Uint8Array): Sniffed {
  const out: Sniffed = { format: 'tiff', label: 'TIFF' };
  const le = b[0] === 0x49;
  const u16 = (at: number) => (le ? le16(b, at) : be16(b, at));
  const u32 = (at: number) => (le ? le32(b, at) >>> 0 : be32(b, at));
  /** A SHORT or LONG value held in the entry itself (the first value when there are several). */
  const value = (entry: number) => (u16(entry + 2) === 3 ? u16(entry + 8) : u32(entry + 8));
  const n = b.length;
  if (n < 8) return { ...out, needsMoreBytes: true };
  let ifd = u32(4);
  const seen = new Set<number>();
  let pages = 0;
  while (ifd !== 0 && !seen.has(ifd) && seen.size < TIFF_MAX_PAGES) {
    seen.add(ifd);
    if (ifd + 2 > n || ifd + 2 + 12 * u16(ifd) + 4 > n) {
      if (seen.size === 1) return { ...out, needsMoreBytes: true };
      return { ...out, pages: pages + 1, pagesExact: false }; // at least one more page lies past the bytes read
    }
    const entries = u16(ifd);
    let preview = false;
    for (let i = 0; i < entries; i++) {
      const entry = ifd + 2 + 12 * i;
      const tag = u16(entry);
      if (tag === TIFF_TAG.newSubfileType) preview = (value(entry) & 1) !== 0;
      if (seen.size > 1) continue;
      if (tag === TIFF_TAG.width) out.width = value(entry);
      else if (tag === TIFF_TAG.height) out.height = value(entry);
      else if (tag === TIFF_TAG.bitsPerSample) {
        // One sample's size is held in the entry; several (RGB) are stored at an offset.
        const count = u32(entry + 4);
        const at = count * 2 <= 4 ? entry + 8 : u32(entry + 8);
        if (at + 2 <= n) out.bitDepth = u16(at);
      }
    }
    if (!preview || seen.size === 1) pages++;
    ifd = u32(ifd + 2 + 12 * entries);
  }
  return { ...out, pages, pagesExact: true };
}

/** The bytes as text when they look like text (UTF-8, no control characters but whitespace), else null. */
function decodeText(b: Uint8Array): string | null {
  if (b.length === 0) return null;
  for (const c of b) if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    // The cut at 4096 bytes may split a character; accept if all but the tail decodes.
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, Math.max(0, b.length - 3)));
    } catch {
      return null;
    }
  }
}

/** Formats a pixel count as megapixels for messages: 900000000 -> "900 MP", 2500000 -> "2.5 MP". */
export function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return `${mp >= 10 ? Math.round(mp) : Number(mp.toPrecision(2))} MP`;
}
