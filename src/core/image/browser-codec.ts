import type { RgbaImage } from './types';

/** Browsers' decoders, applied in a worker or the page (createImageBitmap + OffscreenCanvas). */

export class ImageDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImageDecodeError';
  }
}

/** Largest input we accept: beyond this a decoded RGBA copy alone would be about 1 GB. */
export const MAX_INPUT_PIXELS = 250_000_000;

export async function decodeImage(blob: Blob, name = 'this file'): Promise<RgbaImage> {
  if (blob.size === 0) throw new ImageDecodeError(`${name} is empty (0 bytes). Choose the photo file again.`);
  let bitmap: ImageBitmap;
  try {
    // 'from-image' applies the EXIF orientation, so portraits come out upright.
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' });
  } catch {
    throw new ImageDecodeError(
      `${name} could not be read as an image: it may be damaged, incomplete, or in a format this browser cannot open. ` +
        'Try exporting it as JPEG or PNG.',
    );
  }
  const { width, height } = bitmap;
  if (width * height > MAX_INPUT_PIXELS) {
    bitmap.close();
    throw new ImageDecodeError(`${name} is ${width}x${height} pixels, larger than the ${MAX_INPUT_PIXELS / 1e6} megapixels Heirloom can hold in memory. Reduce it first.`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageDecodeError('This browser cannot give access to image pixels (no 2D canvas).');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { data } = ctx.getImageData(0, 0, width, height);
  return { width, height, data };
}

export type OutputFormat = 'image/png' | 'image/jpeg' | 'image/webp';

export async function encodeImage(img: RgbaImage, type: OutputFormat = 'image/png', quality = 0.92): Promise<Blob> {
  const canvas = new OffscreenCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot encode images (no 2D canvas).');
  ctx.putImageData(new ImageData(img.data as Uint8ClampedArray<ArrayBuffer>, img.width, img.height), 0, 0);
  return canvas.convertToBlob({ type, quality });
}
