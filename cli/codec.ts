/**
 * Image decode/encode in Node with sharp (libvips).
 *
 * Decode: EXIF orientation applied, any colour space / bit depth converted to 8-bit sRGB RGBA
 * (the RgbaImage the core expects). Encode: the restored pixels are written with the original's
 * EXIF (date taken, camera, GPS, ...) and XMP; the Orientation tag becomes 1 since the pixels
 * are already upright; an sRGB ICC profile is attached because that is what the pixels now are
 * (attaching an original Adobe RGB profile to sRGB pixels would shift every colour).
 */
import sharp, { type Sharp } from 'sharp';
import type { RgbaImage } from '../src/core/image/types';

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

export async function decodeFile(bytes: Buffer): Promise<RgbaImage> {
  if (bytes.byteLength === 0) throw new BadImageError('empty file (0 bytes)');
  try {
    const { data, info } = await sharp(bytes, { autoOrient: true, failOn: 'warning', limitInputPixels: 400_000_000 })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) throw new Error(`decoded to ${info.channels} channels, expected 4`);
    return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength) };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/unsupported image format/i.test(msg)) throw new BadImageError('not an image, or a format this build cannot read');
    throw new BadImageError(`cannot decode: ${msg.split('\n')[0]}`);
  }
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
