/**
 * TIFF to 8-bit RGBA with geotiff.js (a maintained TIFF reader: strips and tiles, every
 * compression scans use, predictors, 1-32 bit samples). Loaded on demand by `decodeImage`
 * (browser-codec.ts), so only people who open a TIFF download it. Framework-free.
 *
 * geotiff gives the raw samples; the colour conversion to what the pipeline takes (RgbaImage:
 * 8-bit sRGB) is here. 16-bit scans are mapped to 8 bits by rounding (v / 257): the pipeline's
 * image type holds 8 bits per channel. Only the first page is read; the caller says so.
 */
import { fromArrayBuffer, type GeoTIFFImage } from 'geotiff';
import type { RgbaImage } from './types';

/** TIFF 6.0 PhotometricInterpretation values. */
const PHOTOMETRIC = { whiteIsZero: 0, blackIsZero: 1, rgb: 2, palette: 3, cmyk: 5, yCbCr: 6, cieLab: 8 } as const;
/** Rows decoded at a time: bounds the raw samples held besides the RGBA result. */
const BAND_PIXELS = 4_000_000;

export interface DecodedTiff {
  image: RgbaImage;
  /** Pages (images) in the file; only the first was decoded. */
  pages: number;
}

export class UnsupportedTiffError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedTiffError';
  }
}

/**
 * Decodes the first page. `checkSize` runs before any pixel buffer is allocated (the header
 * check read the same IFD; this keeps the guard next to the allocation).
 */
export async function decodeTiff(bytes: ArrayBuffer, checkSize: (width: number, height: number) => void = () => undefined): Promise<DecodedTiff> {
  const tiff = await fromArrayBuffer(bytes);
  const pages = await tiff.getImageCount();
  const page = await tiff.getImage(0);
  const width = page.getWidth(), height = page.getHeight();
  checkSize(width, height);
  const pi = page.fileDirectory.getValue('PhotometricInterpretation') as number | undefined ?? PHOTOMETRIC.blackIsZero;
  const convert = await converterFor(page, pi);
  const out = new Uint8ClampedArray(width * height * 4);
  // Whole strips (or tile rows) per band, so no block is decoded twice.
  const block = Math.max(1, page.getTileHeight() || height);
  const band = Math.max(block, Math.floor(BAND_PIXELS / width / block) * block);
  for (let y = 0; y < height; y += band) {
    const rows = Math.min(band, height - y);
    const window = [0, y, width, y + rows];
    const samples = pi === PHOTOMETRIC.yCbCr || pi === PHOTOMETRIC.cieLab
      ? await page.readRGB({ window, interleave: true }) // geotiff converts these two to 8-bit RGB
      : await page.readRasters({ window, interleave: true });
    convert(samples as ArrayLike<number>, out.subarray(y * width * 4, (y + rows) * width * 4), rows * width);
  }
  return { image: { width, height, data: out }, pages };
}

type Converter = (samples: ArrayLike<number>, rgba: Uint8ClampedArray, pixels: number) => void;

async function converterFor(page: GeoTIFFImage, pi: number): Promise<Converter> {
  const spp = page.getSamplesPerPixel();
  const bits = page.getBitsPerSample(0);
  const float = page.getSampleFormat(0) === 3;
  // Integer samples span 0..2^bits-1 (16-bit: 0..65535, mapped to 0..255 by v/257); floats 0..1.
  const scale = float ? 255 : 255 / (2 ** bits - 1);
  const to8 = (v: number) => v * scale; // stored in a Uint8ClampedArray, which clamps and rounds
  const extra = (page.fileDirectory.getValue('ExtraSamples') as number[] | undefined) ?? [];
  switch (pi) {
    case PHOTOMETRIC.whiteIsZero:
    case PHOTOMETRIC.blackIsZero: {
      const invert = pi === PHOTOMETRIC.whiteIsZero;
      const alpha = spp >= 2 && (extra[0] === 1 || extra[0] === 2);
      return (s, rgba, n) => {
        for (let i = 0; i < n; i++) {
          const v = to8(s[i * spp]!);
          rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = invert ? 255 - v : v;
          rgba[i * 4 + 3] = alpha ? to8(s[i * spp + 1]!) : 255;
        }
        if (alpha && extra[0] === 1) unpremultiply(rgba, n);
      };
    }
    case PHOTOMETRIC.rgb: {
      if (spp < 3) throw new UnsupportedTiffError(`an RGB TIFF with ${spp} sample(s) per pixel`);
      const alpha = spp >= 4 && (extra[0] === 1 || extra[0] === 2);
      return (s, rgba, n) => {
        for (let i = 0; i < n; i++) {
          const at = i * spp;
          rgba[i * 4] = to8(s[at]!);
          rgba[i * 4 + 1] = to8(s[at + 1]!);
          rgba[i * 4 + 2] = to8(s[at + 2]!);
          rgba[i * 4 + 3] = alpha ? to8(s[at + 3]!) : 255;
        }
        if (alpha && extra[0] === 1) unpremultiply(rgba, n);
      };
    }
    case PHOTOMETRIC.palette: {
      // ColorMap: all reds, then all greens, then all blues, 16-bit each.
      const map = (await page.fileDirectory.loadValue('ColorMap')) as ArrayLike<number> | undefined;
      if (!map) throw new UnsupportedTiffError('a palette TIFF without its palette (ColorMap)');
      const entries = map.length / 3;
      return (s, rgba, n) => {
        for (let i = 0; i < n; i++) {
          const k = Math.min(s[i * spp]!, entries - 1);
          rgba[i * 4] = map[k]! / 257;
          rgba[i * 4 + 1] = map[entries + k]! / 257;
          rgba[i * 4 + 2] = map[2 * entries + k]! / 257;
          rgba[i * 4 + 3] = 255;
        }
      };
    }
    case PHOTOMETRIC.cmyk: {
      if (spp < 4) throw new UnsupportedTiffError(`a CMYK TIFF with ${spp} sample(s) per pixel`);
      // Without colour management (no ICC here): the naive inversion, as browsers do for
      // untagged CMYK JPEGs. Ink 0 is white paper.
      const max = float ? 1 : 2 ** bits - 1;
      return (s, rgba, n) => {
        for (let i = 0; i < n; i++) {
          const at = i * spp;
          const k = 1 - s[at + 3]! / max;
          rgba[i * 4] = 255 * (1 - s[at]! / max) * k;
          rgba[i * 4 + 1] = 255 * (1 - s[at + 1]! / max) * k;
          rgba[i * 4 + 2] = 255 * (1 - s[at + 2]! / max) * k;
          rgba[i * 4 + 3] = 255;
        }
      };
    }
    case PHOTOMETRIC.yCbCr:
    case PHOTOMETRIC.cieLab:
      return (s, rgba, n) => {
        for (let i = 0; i < n; i++) {
          rgba[i * 4] = s[i * 3]!;
          rgba[i * 4 + 1] = s[i * 3 + 1]!;
          rgba[i * 4 + 2] = s[i * 3 + 2]!;
          rgba[i * 4 + 3] = 255;
        }
      };
    default:
      throw new UnsupportedTiffError(`a TIFF in a colour model Heirloom does not read (PhotometricInterpretation ${pi})`);
  }
}

/** Associated (premultiplied) alpha to straight alpha, as ImageData holds it. */
function unpremultiply(rgba: Uint8ClampedArray, n: number): void {
  for (let i = 0; i < n; i++) {
    const a = rgba[i * 4 + 3]!;
    if (a === 0 || a === 255) continue;
    for (let c = 0; c < 3; c++) rgba[i * 4 + c] = (rgba[i * 4 + c]! * 255) / a;
  }
}
