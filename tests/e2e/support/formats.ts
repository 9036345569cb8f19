/**
 * TIFF and HEIC test files. TIFFs are made at test time with sharp (libtiff) or, for what sharp
 * does not write (palette, IFD before the pixels, a bomb header), by `tiffFile` below; HEICs
 * are committed (files/, made by make_heic_fixtures.py: they need an HEVC encoder).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import type { Rgba } from './images';

export const HEIC_PHOTO = new URL('./files/photo.heic', import.meta.url);
/** An iPhone-style HEIC: 2x2 grid of HEVC tiles, cropped to 120x90, rotated to 90x120 by irot. */
export const HEIC_IPHONE_GRID = new URL('./files/iphone-grid.heic', import.meta.url);
export const heicPhoto = () => readFileSync(HEIC_PHOTO);
export const heicIphoneGrid = () => readFileSync(HEIC_IPHONE_GRID);

const rgb = (img: Rgba) => sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: 4 } }).removeAlpha();

export type TiffCompression = 'none' | 'lzw' | 'deflate' | 'packbits' | 'jpeg';

/** An 8-bit RGB TIFF of `img` (libtiff, through sharp). */
export function tiff8(img: Rgba, compression: TiffCompression): Promise<Buffer> {
  return rgb(img).tiff({ compression }).toBuffer();
}

/**
 * A 16-bit RGB TIFF whose samples use all 16 bits (p*257 moved by up to +-127: a decoder that
 * keeps the high byte, v >> 8, gets many of them wrong), and the 8-bit image it must become:
 * round(v / 257) per sample.
 */
export async function tiff16(img: Rgba, compression: TiffCompression): Promise<{ tiff: Buffer; as8bit: Rgba }> {
  const n = img.width * img.height;
  const deep = new Uint16Array(n * 3);
  const as8bit: Rgba = { width: img.width, height: img.height, data: new Uint8Array(n * 4) };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.max(0, Math.min(65535, img.data[i * 4 + c]! * 257 + ((i * 37 + c * 11) % 255) - 127));
      deep[i * 3 + c] = v;
      as8bit.data[i * 4 + c] = Math.round(v / 257);
    }
    as8bit.data[i * 4 + 3] = 255;
  }
  // A Uint16Array is taken as 16-bit samples (a Buffer would be read as bytes).
  const tiff = await sharp(deep, { raw: { width: img.width, height: img.height, channels: 3 } }).toColourspace('rgb16').tiff({ compression }).toBuffer();
  return { tiff, as8bit };
}

/** A grey TIFF (8 or 16 bit) of `samples` (one per pixel), through sharp. */
export function greyTiff(width: number, height: number, samples: Uint8Array | Uint16Array): Promise<Buffer> {
  return sharp(samples, { raw: { width, height, channels: 1 } }).toColourspace(samples instanceof Uint16Array ? 'grey16' : 'b-w').tiff({ compression: 'lzw' }).toBuffer();
}

/** A TIFF of several pages (libtiff, through sharp): each image a page, the first is page 1. */
export function multiPageTiff(pages: Rgba[]): Promise<Buffer> {
  const { width, height } = pages[0]!;
  const stacked = Buffer.concat(pages.map((p) => Buffer.from(p.data)));
  return sharp(stacked, { raw: { width, height: height * pages.length, channels: 4, pageHeight: height } as never })
    .removeAlpha().tiff({ compression: 'lzw' }).toBuffer();
}

interface TiffFields {
  width: number;
  height: number;
  bitsPerSample: number[];
  photometric: number;
  /** Pixel bytes, uncompressed, one strip. */
  pixels: Buffer;
  colorMap?: number[];
  /** Write the IFD before the pixels (libtiff writes it after). */
  ifdFirst?: boolean;
}

/**
 * A little-endian baseline TIFF written field by field: for the cases libtiff (sharp) does not
 * write, a palette image, an IFD before the pixels (so a cut file keeps its header), and
 * headers that declare any size at all (bombs).
 */
export function tiffFile(f: TiffFields): Buffer {
  const spp = f.bitsPerSample.length;
  const entries: [number, number, number[]][] = [ // tag, type (3 SHORT, 4 LONG), values
    [256, 4, [f.width]],
    [257, 4, [f.height]],
    [258, 3, f.bitsPerSample],
    [259, 3, [1]],
    [262, 3, [f.photometric]],
    [273, 4, [0]], // StripOffsets, filled in below
    [277, 3, [spp]],
    [278, 4, [f.height]],
    [279, 4, [f.pixels.length]],
    ...(f.colorMap ? [[320, 3, f.colorMap] as [number, number, number[]]] : []),
  ];
  const ifdSize = 2 + 12 * entries.length + 4;
  const extra = entries.map(([, type, v]) => (v.length * (type === 3 ? 2 : 4) > 4 ? v.length * (type === 3 ? 2 : 4) : 0));
  const extraSize = extra.reduce((a, b) => a + b, 0);
  const ifdAt = f.ifdFirst ? 8 : 8 + f.pixels.length;
  const pixelsAt = f.ifdFirst ? 8 + ifdSize + extraSize : 8;
  entries.find((e) => e[0] === 273)![2] = [pixelsAt];
  const out = Buffer.alloc(8 + f.pixels.length + ifdSize + extraSize);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdAt, 4);
  f.pixels.copy(out, pixelsAt);
  out.writeUInt16LE(entries.length, ifdAt);
  let extraAt = ifdAt + ifdSize;
  entries.forEach(([tag, type, values], i) => {
    const at = ifdAt + 2 + 12 * i;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(values.length, at + 4);
    const write = (base: number) => values.forEach((v, k) => (type === 3 ? out.writeUInt16LE(v, base + 2 * k) : out.writeUInt32LE(v, base + 4 * k)));
    if (extra[i]) {
      out.writeUInt32LE(extraAt, at + 8);
      write(extraAt);
      extraAt += extra[i]!;
    } else write(at + 8);
  });
  out.writeUInt32LE(0, ifdAt + ifdSize - 4); // no next page
  return out;
}

/** An 8-bit palette TIFF of `img` quantised to its own colours (at most 256), and what it must decode to. */
export function paletteTiff(img: Rgba): { tiff: Buffer; expected: Rgba } {
  const colours = new Map<number, number>();
  const n = img.width * img.height;
  const index = Buffer.alloc(n);
  const expected: Rgba = { width: img.width, height: img.height, data: new Uint8Array(n * 4) };
  for (let i = 0; i < n; i++) {
    // 6x6x6 levels: at most 216 colours.
    const q = [0, 1, 2].map((c) => Math.round((img.data[i * 4 + c]! / 255) * 5));
    const key = q[0]! * 36 + q[1]! * 6 + q[2]!;
    if (!colours.has(key)) colours.set(key, colours.size);
    index[i] = colours.get(key)!;
    q.forEach((v, c) => (expected.data[i * 4 + c] = v * 51));
    expected.data[i * 4 + 3] = 255;
  }
  const map = new Array<number>(768).fill(0);
  for (const [key, k] of colours) [Math.floor(key / 36), Math.floor(key / 6) % 6, key % 6].forEach((v, c) => (map[c * 256 + k] = v * 51 * 257));
  return { tiff: tiffFile({ width: img.width, height: img.height, bitsPerSample: [8], photometric: 3, pixels: index, colorMap: map }), expected };
}

/** A TIFF header declaring width x height pixels of 8-bit RGB, with 12 bytes of pixels: an image bomb. */
export function tiffBomb(width: number, height: number): Buffer {
  return tiffFile({ width, height, bitsPerSample: [8, 8, 8], photometric: 2, pixels: Buffer.alloc(12), ifdFirst: true });
}
