/**
 * Image decode/encode in Node with sharp (libvips).
 *
 * Decode: EXIF orientation applied, any colour space / bit depth converted to 8-bit sRGB RGBA
 * (the RgbaImage the core expects). Encode: the restored pixels are written with the original's
 * EXIF (date taken, camera, GPS, ...) and XMP; the Orientation tag becomes 1 since the pixels
 * are already upright; an sRGB ICC profile is attached because that is what the pixels now are
 * (attaching an original Adobe RGB profile to sRGB pixels would shift every colour).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp, { type Sharp } from 'sharp';
import type { RgbaImage } from '../src/core/image/types';
import { decodeHeic } from '../src/core/image/heic-decode';
import { megapixels, sniffImage } from '../src/core/image/sniff';
import { MAX_INPUT_PIXELS } from '../src/core/image/browser-codec';

export type CliFormat = 'png' | 'jpeg' | 'webp';
export const FORMAT_EXT: Record<CliFormat, string> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/** Extensions treated as photos. Others (sidecars, .txt, .DS_Store) are ignored, not reported. */
export const IMAGE_EXTENSIONS = new Set([
  '.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.bmp',
]);

/** A photo that can't be read: the message says why, for the run's report. */
export class BadImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadImageError';
  }
}

sharp.cache(false); // each file is read once; libvips' operation cache only costs memory here

/**
 * Reads a photo as upright 8-bit sRGB RGBA. Before decoding, the same header check as the app's
 * (`sniffImage`): what the file really is, and the size it declares. Over MAX_INPUT_PIXELS it is
 * refused before any work (the app's limit; every result then stays under sharp's 268 MP default
 * for encoding, where 268-400 MP photos used to fail after all the work). HEIC, which this sharp
 * build cannot read (its libheif has no HEVC decoder), goes through the app's HEIC decoder
 * (libheif's WebAssembly, heic-decode.ts). BMP and libvips' own errors get the app's plain messages.
 */
export async function decodeFile(bytes: Buffer): Promise<RgbaImage> {
  if (bytes.byteLength === 0) throw new BadImageError('empty file (0 bytes)');
  const sniffed = sniffImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const plain = (why: string) => new BadImageError(why);
  switch (sniffed.format) {
    case 'bmp':
      throw plain('a BMP image, which the command line cannot read (its image library has no BMP decoder). Convert it to PNG first, or open it in the Heirloom app.');
    case 'svg': case 'pdf': case 'text': case 'unknown':
      throw plain(`not an image (${sniffed.format === 'unknown' ? 'its first bytes match no image format' : sniffed.format === 'text' ? 'it contains text' : `it is ${sniffed.label}`}).`);
  }
  let width = sniffed.width, height = sniffed.height;
  if (width === undefined || height === undefined) {
    const meta = await sharp(bytes).metadata().catch(() => undefined);
    [width, height] = [meta?.width, meta?.height];
  }
  if (width !== undefined && height !== undefined && width * height > MAX_INPUT_PIXELS) {
    throw plain(`declares ${width}x${height} pixels (${megapixels(width * height)}); Heirloom handles up to ${megapixels(MAX_INPUT_PIXELS)}. Reduce it first (or split it into parts).`);
  }
  const damaged = () => plain(`could not be read as an image: this ${sniffed.label} file is damaged or incomplete (was it fully copied or downloaded?). Try exporting it again as JPEG or PNG.`);
  if (sniffed.format === 'heic') {
    if (width === undefined) throw damaged();
    const tooBig = (w: number, h: number) => {
      if (w * h > MAX_INPUT_PIXELS) throw plain(`is ${w}x${h} pixels (${megapixels(w * h)}); Heirloom handles up to ${megapixels(MAX_INPUT_PIXELS)}. Reduce it first.`);
    };
    return decodeHeic(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), heifWasm, tooBig).catch((e) => Promise.reject(e instanceof BadImageError ? e : damaged()));
  }
  try {
    const { data, info } = await sharp(bytes, { autoOrient: true, failOn: 'warning', limitInputPixels: MAX_INPUT_PIXELS })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels, expected 4`);
    return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/unsupported image format/i.test(msg)) throw plain('not an image, or in a format the command line cannot read.');
    // libvips' wording ("Warning treated as error due to failOn setting", "vipspng: libpng read
    // error", "webp2vips: unable to read pixels") helps nobody: say what it means, as the app does.
    throw damaged();
  }
}

/** libheif's WebAssembly, from the libheif-js package beside the CLI. */
async function heifWasm(): Promise<ArrayBuffer> {
  const b = await readFile(createRequire(import.meta.url).resolve('libheif-js/libheif-wasm/libheif.wasm'));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function isOpaque(d: Uint8ClampedArray): boolean {
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 255) return false;
  return true;
}

export interface EncodeOptions {
  format: CliFormat;
  /** 1..100 for JPEG and WebP. */
  quality: number;
}

/**
 * Encodes `img`, copying metadata from `original` (the source file's bytes). sharp can only
 * keep metadata from a pipeline's own input, so the pipeline starts from the original (upright,
 * resized to the result's size: cheap, nearest) and the result replaces every pixel of it.
 */
export async function encodeWithMetadata(img: RgbaImage, original: Buffer, opts: EncodeOptions): Promise<Buffer> {
  let data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  const opaque = isOpaque(img.data);
  if (opts.format === 'jpeg' && !opaque) {
    // JPEG has no alpha: flatten onto white, as a print would be.
    const flat = Buffer.alloc(data.length);
    for (let i = 0; i < data.length; i += 4) {
      const a = data[i + 3]! / 255;
      for (let c = 0; c < 3; c++) flat[i + c] = Math.round(data[i + c]! * a + 255 * (1 - a));
      flat[i + 3] = 255;
    }
    data = flat;
  }
  const raw = { width: img.width, height: img.height, channels: 4 as const };
  let pipeline: Sharp;
  try {
    pipeline = sharp(original, { autoOrient: true, failOn: 'none', limitInputPixels: false })
      .resize(img.width, img.height, { fit: 'fill', kernel: 'nearest' })
      .composite([{ input: data, raw, blend: 'source' }])
      .keepExif()
      .keepXmp()
      .withIccProfile('srgb');
    if (opaque || opts.format === 'jpeg') pipeline = pipeline.removeAlpha();
    return await toFormat(pipeline, opts).toBuffer();
  } catch {
    // The original's metadata could not be carried over (an odd container): write pixels only.
    pipeline = sharp(data, { raw }).withIccProfile('srgb');
    if (opaque || opts.format === 'jpeg') pipeline = pipeline.removeAlpha();
    return toFormat(pipeline, opts).toBuffer();
  }
}

function toFormat(p: Sharp, opts: EncodeOptions): Sharp {
  switch (opts.format) {
    case 'png':
      return p.png({ compressionLevel: 6 });
    case 'jpeg':
      return p.jpeg({ quality: opts.quality, chromaSubsampling: '4:4:4', mozjpeg: false });
    case 'webp':
      return p.webp({ quality: opts.quality });
  }
}
