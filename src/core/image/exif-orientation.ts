/**
 * EXIF orientation: phones store pixels as the sensor saw them plus a tag saying how to
 * rotate/flip for display. Browsers can apply it while decoding
 * (createImageBitmap(..., { imageOrientation: 'from-image' })); this pure-JS version serves
 * Node/CLI decoding and lets tests verify the browser path.
 */
import exifr from 'exifr';
import type { RgbaImage } from './types.js';

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** Reads the EXIF orientation tag (0x0112); 1 (as stored) when absent or unreadable. */
export async function readOrientation(bytes: ArrayBuffer | Uint8Array): Promise<Orientation> {
  try {
    const o = await exifr.orientation(bytes);
    return typeof o === 'number' && Number.isInteger(o) && o >= 1 && o <= 8 ? (o as Orientation) : 1;
  } catch {
    // A damaged or unusual EXIF block must not stop the photo from loading.
    return 1;
  }
}

/**
 * Returns `img` transformed for display according to EXIF `orientation`. Orientations 5-8
 * swap width and height. 1 and unknown values return `img` itself (no copy).
 */
export function applyOrientation(img: RgbaImage, orientation: number): RgbaImage {
  if (!Number.isInteger(orientation) || orientation < 2 || orientation > 8) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8ClampedArray(ow * oh * 4);
  // For each output pixel, find the stored pixel that lands there.
  const source = (ox: number, oy: number): [number, number] => {
    switch (orientation) {
      case 2: return [w - 1 - ox, oy]; // mirror horizontally
      case 3: return [w - 1 - ox, h - 1 - oy]; // rotate 180
      case 4: return [ox, h - 1 - oy]; // mirror vertically
      case 5: return [oy, ox]; // transpose
      case 6: return [oy, h - 1 - ox]; // rotate 90 clockwise
      case 7: return [w - 1 - oy, h - 1 - ox]; // transverse
      default: return [w - 1 - oy, ox]; // 8: rotate 90 counter-clockwise
    }
  };
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      const [ix, iy] = source(ox, oy);
      const s = (iy * w + ix) * 4;
      const d = (oy * ow + ox) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
      out[d + 3] = data[s + 3]!;
    }
  }
  return { width: ow, height: oh, data: out };
}
