import type { RgbaImage } from './types';
import { sniffImage, megapixels, SNIFF_BYTES, type Sniffed } from './sniff';

/**
 * Decoding in a worker or the page: the browser's own decoders (createImageBitmap +
 * OffscreenCanvas), and for TIFF and HEIC, which browsers do not open, bundled decoders
 * loaded on first use (tiff-decode.ts, heic-decode.ts).
 */

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Largest input we accept: beyond this a decoded RGBA copy alone would be about 1 GB. */
export const MAX_INPUT_PIXELS = 250_000_000;

const OPENABLE = 'JPEG, PNG, WebP, GIF, AVIF, BMP, TIFF or HEIC';

/**
 * Sniffs the first SNIFF_BYTES, then more (4x each time, up to the whole file) while the header
 * walk runs out of bytes before it knows the size: a JPEG frame header after megabytes of
 * metadata, a GIF's frames (each can enlarge the canvas). Holds at most the file in memory.
 */
async function sniffWhereTheSizeIs(blob: Blob): Promise<Sniffed> {
  for (let length = SNIFF_BYTES; ; length *= 4) {
    const sniffed = sniffImage(new Uint8Array(await blob.slice(0, length).arrayBuffer()));
    if (!sniffed.needsMoreBytes || length >= blob.size) return sniffed;
  }
}

function damagedMessage(name: string, label: string): string {
  return `${name} could not be read as an image: this ${label} file is damaged or incomplete (was it fully copied or downloaded?). ` +
    'Try exporting it again as JPEG or PNG.';
}

/**
 * Checks what the file says it is before any decoding: unknown or unsupported formats get a
 * precise message, and a header declaring more than MAX_INPUT_PIXELS is refused without
 * allocating anything (image bombs), sized the way the decoder will size it. Returns what was recognised.
 */
export async function checkImageHeader(blob: Blob, name = 'this file'): Promise<Sniffed> {
  if (blob.size === 0) throw new ImageDecodeError(`${name} is empty (0 bytes). Choose the photo file again.`);
  const sniffed = await sniffWhereTheSizeIs(blob);
  const limit = `Heirloom handles up to ${megapixels(MAX_INPUT_PIXELS)}`;
  switch (sniffed.format) {
    case 'svg':
      // Never handed to a decoder: nothing in the file (scripts, external references) can run or load.
      throw new ImageDecodeError(`${name} is an SVG drawing, not a photo, and Heirloom does not open SVG files. Export it as PNG or JPEG and choose that instead.`);
    case 'pdf':
      throw new ImageDecodeError(`${name} is a PDF document, not an image. Export the page as PNG or JPEG and choose that instead.`);
    case 'text':
      throw new ImageDecodeError(`${name} is not an image: it contains text. Choose a photo (${OPENABLE}).`);
    case 'unknown':
      throw new ImageDecodeError(`${name} is not an image format Heirloom can open (${sniffed.label === 'unknown' ? 'its first bytes match no image format' : `it is ${sniffed.label}`}). Choose a photo (${OPENABLE}).`);
  }
  const { width, height } = sniffed;
  // A decoder cannot size what the header does not say, so it could not decode it either.
  if (width === undefined || height === undefined) throw new ImageDecodeError(damagedMessage(name, sniffed.label));
  if (width === 0 || height === 0) {
    throw new ImageDecodeError(`${name} could not be read as an image: its ${sniffed.label} header declares ${width}x${height} pixels. The file is damaged; export it again as JPEG or PNG.`);
  }
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageDecodeError(`${name} declares ${width}x${height} pixels (${megapixels(width * height)}); ${limit}. Reduce it first (or split it into parts) and choose it again.`);
  }
  return sniffed;
}

/** The MIME type each decodable format is served as, so a preview URL can only ever render as an image. */
const IMAGE_TYPES: Partial<Record<Sniffed['format'], string>> = {
  png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', bmp: 'image/bmp', avif: 'image/avif',
};

/** Formats no browser decodes, read by a decoder of our own that is loaded on first use. */
export const BUNDLED_DECODER_FORMATS: ReadonlySet<Sniffed['format']> = new Set(['tiff', 'heic']);

/**
 * The picked file, checked (`checkImageHeader`) and retyped as the image format its bytes are,
 * for showing in an <img>. The file's own type is never trusted: a polyglot named .html (or typed
 * text/html) would otherwise run its script, in this origin, when its preview is opened in a tab.
 * Throws for anything that is not a decodable image, so SVG, HTML and text never get a URL.
 * `blob` is null for TIFF and HEIC, which an <img> cannot show: the worker decodes them and
 * makes the copy to show (restore.worker.ts, openForDisplay).
 */
export async function checkedImageBlob(blob: Blob, name = 'this file'): Promise<{ blob: Blob | null; sniffed: Sniffed }> {
  const sniffed = await checkImageHeader(blob, name);
  if (BUNDLED_DECODER_FORMATS.has(sniffed.format)) return { blob: null, sniffed };
  const type = IMAGE_TYPES[sniffed.format];
  if (!type) throw new ImageDecodeError(`${name} is not an image format Heirloom can open.`);
  return { blob: new Blob([blob], { type }), sniffed };
}

/** Refuses a decoded size over MAX_INPUT_PIXELS (the header may understate it). */
function checkDecodedSize(name: string, width: number, height: number): void {
  if (width * height > MAX_INPUT_PIXELS) {
    throw new ImageDecodeError(`${name} is ${width}x${height} pixels (${megapixels(width * height)}), larger than the ${megapixels(MAX_INPUT_PIXELS)} Heirloom can hold in memory. Reduce it first.`);
  }
}

/**
 * Decodes a photo to 8-bit RGBA, after the header check. `onNote` hears what the user should
 * know about the input (only the first page of a multi-page TIFF is used).
 */
export async function decodeImage(blob: Blob, name = 'this file', onNote?: (message: string) => void): Promise<RgbaImage> {
  const sniffed = await checkImageHeader(blob, name);
  if (BUNDLED_DECODER_FORMATS.has(sniffed.format)) return decodeWithBundledDecoder(blob, name, sniffed, onNote);
  let bitmap: ImageBitmap;
  try {
    // 'from-image' applies the EXIF orientation, so portraits come out upright.
    // Animated GIF/PNG/WebP: the browser's decoder gives the first frame.
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw new ImageDecodeError(
      sniffed.format === 'avif'
        ? `${name} is an AVIF image that this browser can't open. Export it as JPEG or PNG and choose it again.`
        : damagedMessage(name, sniffed.label),
    );
  }
  const { width, height } = bitmap;
  try {
    checkDecodedSize(name, width, height);
  } catch (e) {
    bitmap.close();
    throw e;
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageDecodeError('This browser cannot give access to image pixels (no 2D canvas).');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, width, height);
  return { width, height, data };
}

/**
 * TIFF and HEIC: the decoder's code (and libheif's WebAssembly) is fetched from this origin the
 * first time one is opened, as separate chunks (dynamic import), so nobody else downloads it.
 */
async function decodeWithBundledDecoder(blob: Blob, name: string, sniffed: Sniffed, onNote?: (message: string) => void): Promise<RgbaImage> {
  const what = sniffed.label;
  const unavailable = (why: string) => new ImageDecodeError(
    `The ${what} reader could not be loaded (${why}; it is fetched the first time a ${what} file is opened: are you offline?). Try again when online.`);
  const load = <T>(chunk: Promise<T>) => chunk.catch((e) => Promise.reject(unavailable((e as Error)?.message ?? String(e))));
  const bytes = await blob.arrayBuffer();
  if (sniffed.format === 'heic') {
    const heic = await load(import('./heic-browser'));
    try {
      return await heic.decodeHeicFile(new Uint8Array(bytes), (w, h) => checkDecodedSize(name, w, h));
    } catch (e) {
      if (e instanceof ImageDecodeError) throw e;
      if (e instanceof heic.WasmLoadError) throw unavailable(e.message);
      throw new ImageDecodeError(damagedMessage(name, what));
    }
  }
  const tiff = await load(import('./tiff-decode'));
  let decoded: Awaited<ReturnType<typeof tiff.decodeTiff>>;
  try {
    decoded = await tiff.decodeTiff(bytes, (w, h) => checkDecodedSize(name, w, h));
  } catch (e) {
    if (e instanceof ImageDecodeError) throw e;
    if (e instanceof tiff.UnsupportedTiffError) {
      throw new ImageDecodeError(`${name} is ${e.message}, which Heirloom cannot read. Export it as an 8-bit RGB TIFF, PNG or JPEG and choose it again.`);
    }
    throw new ImageDecodeError(damagedMessage(name, what));
  }
  if (decoded.pages > 1) onNote?.(`${name} has ${decoded.pages} pages; Heirloom restores the first one only.`);
  return decoded.image;
}

export type OutputFormat = 'image/png' | 'image/jpeg' | 'image/webp';

/**
 * A JPEG of at most `maxPixels` for showing on screen, or null when the image is already that
 * small. A 96 MP PNG takes the page's main thread ~2 s to take in; a 16 MP preview ~0.3 s.
 */
export async function encodePreview(img: RgbaImage, maxPixels = 16_000_000): Promise<Blob | null> {
  if (img.width * img.height <= maxPixels) return null;
  const k = Math.sqrt(maxPixels / (img.width * img.height));
  const width = Math.max(1, Math.floor(img.width * k)), height = Math.max(1, Math.floor(img.height * k));
  const full = await createImageBitmap(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height),
    { resizeWidth: width, resizeHeight: height, resizeQuality: 'medium' });
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.drawImage(full, 0, 0);
  full.close();
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

export async function encodeImage(img: RgbaImage, type: OutputFormat = 'image/png', quality = 0.92): Promise<Blob> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot encode images (no 2D canvas).');
  ctx.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  return canvas.convertToBlob({ type, quality });
}

/** A copy at most `maxSide` pixels on its longer side (the image itself when already that small). */
export async function downscaleImage(img: RgbaImage, maxSide: number): Promise<RgbaImage> {
  const k = Math.min(1, maxSide / Math.max(img.width, img.height));
  if (k === 1) return img;
  const width = Math.max(1, Math.round(img.width * k)), height = Math.max(1, Math.round(img.height * k));
  const small = await createImageBitmap(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height),
    { resizeWidth: width, resizeHeight: height, resizeQuality: 'high' });
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(small, 0, 0);
  small.close();
  return { width, height, data: ctx.getImageData(0, 0, width, height).data };
}
