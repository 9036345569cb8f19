/**
 * TIFF and HEIC: the header check (sizes read before anything is allocated, pages counted) and
 * the decoders the app loads on first use (tiff-decode.ts, heic-decode.ts), run here in Node on
 * files made by libtiff (sharp) and libheif's HEVC encoder (tests/e2e/support/files).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import sharp from 'sharp';
import { sniffImage, SNIFF_BYTES } from '../../src/core/image/sniff';
import { checkImageHeader, MAX_INPUT_PIXELS } from '../../src/core/image/browser-codec';
import { decodeTiff, UnsupportedTiffError } from '../../src/core/image/tiff-decode';
import { decodeHeic } from '../../src/core/image/heic-decode';
import { photoFixture, diffRgb, type Rgba } from '../e2e/support/images';
import { greyTiff, heicIphoneGrid, heicPhoto, multiPageTiff, paletteTiff, tiff16, tiff8, tiffBomb, tiffFile } from '../e2e/support/formats';
import { heicStub } from '../e2e/support/hostile-corpus';

const bytes = (b: Buffer) => new Uint8Array(b);
const arrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const blob = (b: Buffer) => new Blob([new Uint8Array(b)]);
const wasmPath = createRequire(import.meta.url).resolve('libheif-js/libheif-wasm/libheif.wasm');
const loadWasm = async () => arrayBuffer(readFileSync(wasmPath));
const { image: photo } = photoFixture(40, 30);
const asRgba = (img: { width: number; height: number; data: Uint8ClampedArray }): Rgba => ({ width: img.width, height: img.height, data: new Uint8Array(img.data) });

describe('TIFF header', () => {
  test('reads the size and bit depth from the first IFD, wherever libtiff put it', async () => {
    const lzw = await tiff8(photo, 'lzw');
    expect(lzw.readUInt32LE(4)).toBeGreaterThan(8); // libtiff writes the IFD after the pixels
    expect(sniffImage(bytes(lzw))).toMatchObject({ format: 'tiff', width: 40, height: 30, bitDepth: 8, pages: 1, pagesExact: true });
    expect(sniffImage(bytes((await tiff16(photo, 'deflate')).tiff))).toMatchObject({ width: 40, height: 30, bitDepth: 16 });
    // Big-endian ("MM") too.
    const be = await sharp((await tiff8(photo, 'none'))).tiff({ compression: 'none' }).toBuffer();
    expect(sniffImage(bytes(be))).toMatchObject({ width: 40, height: 30 });
  });

  test('an IFD past the bytes read asks for more; a file cut before it has no size: damaged', async () => {
    const lzw = await tiff8(photo, 'lzw');
    const ifd = lzw.readUInt32LE(4);
    expect(sniffImage(bytes(lzw.subarray(0, ifd)))).toEqual({ format: 'tiff', label: 'TIFF', needsMoreBytes: true });
    await expect(checkImageHeader(blob(lzw.subarray(0, ifd)), 'cut.tif')).rejects.toThrow(/cut.tif could not be read as an image: this TIFF file is damaged or incomplete/);
  });

  test('counts pages, and says when the chain of pages goes on past the bytes read', async () => {
    const red: Rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => [200, 30, 30, 255][i % 4]!) };
    const three = await multiPageTiff([photo, red, photo]);
    expect(sniffImage(bytes(three))).toMatchObject({ width: 40, height: 30, pages: 3, pagesExact: true });
    // libtiff writes page 1's IFD right after its pixels: cut after it, the next page lies beyond.
    const first = three.readUInt32LE(4);
    const cut = sniffImage(bytes(three.subarray(0, first + 2 + 12 * three.readUInt16LE(first) + 4)));
    expect(cut).toMatchObject({ width: 40, height: 30, pages: 2, pagesExact: false });
  });

  test('a 100000x100000 TIFF is refused from its header, before anything is allocated', async () => {
    const bomb = tiffBomb(100000, 100000);
    expect(bomb.length).toBeLessThan(200);
    expect(sniffImage(bytes(bomb))).toMatchObject({ format: 'tiff', width: 100000, height: 100000 });
    await expect(checkImageHeader(blob(bomb), 'scan.tif')).rejects.toThrow(/scan.tif declares 100000x100000 pixels \(10000 MP\); Heirloom handles up to 250 MP/);
    // Just over the limit is refused, just under passes the header check.
    await expect(checkImageHeader(blob(tiffBomb(25001, 10000)), 'a.tif')).rejects.toThrow(/declares 25001x10000/);
    await expect(checkImageHeader(blob(tiffBomb(25000, 10000)), 'b.tif')).resolves.toMatchObject({ width: 25000, height: 10000 });
    expect(25000 * 10000).toBe(MAX_INPUT_PIXELS);
  });

  test('a looping chain of IFDs ends', () => {
    const one = tiffFile({ width: 2, height: 2, bitsPerSample: [8], photometric: 1, pixels: Buffer.alloc(4), ifdFirst: true });
    one.writeUInt32LE(8, 8 + 2 + 12 * one.readUInt16LE(8)); // next IFD: itself
    expect(sniffImage(bytes(one))).toMatchObject({ width: 2, height: 2, pages: 1 });
  });
});

describe('HEIC header', () => {
  test('reads the size from ispe: the largest, so never less than what will be decoded', () => {
    // heif-enc stored this 64x48 photo as a one-tile grid whose coded HEVC tile is 64x64.
    expect(sniffImage(bytes(heicPhoto()))).toMatchObject({ format: 'heic', width: 64, height: 64 });
    // ispe is the stored size (before irot turns it upright): 120x90 holds as many pixels.
    expect(sniffImage(bytes(heicIphoneGrid()))).toMatchObject({ format: 'heic', width: 120, height: 90 });
  });

  test('no ispe in the bytes read asks for more; none in the file is damaged; a bomb is refused', async () => {
    expect(sniffImage(bytes(heicStub))).toMatchObject({ format: 'heic', needsMoreBytes: true });
    await expect(checkImageHeader(blob(heicStub), 'IMG_0001.HEIC')).rejects.toThrow(/IMG_0001.HEIC could not be read as an image: this HEIC file is damaged or incomplete/);
    // The meta box after 300 kB of image data: found by reading on.
    const late = Buffer.concat([heicPhoto().subarray(0, 32), Buffer.alloc(300 * 1024), heicPhoto().subarray(32)]);
    expect(sniffImage(bytes(late.subarray(0, SNIFF_BYTES)))).toMatchObject({ needsMoreBytes: true });
    await expect(checkImageHeader(blob(late), 'late.heic')).resolves.toMatchObject({ width: 64, height: 64 });
    const bomb = Buffer.from(heicPhoto());
    const ispe = bomb.lastIndexOf('ispe');
    bomb.writeUInt32BE(40000, ispe + 8);
    bomb.writeUInt32BE(30000, ispe + 12);
    await expect(checkImageHeader(blob(bomb), 'big.heic')).rejects.toThrow(/big.heic declares 40000x30000 pixels \(1200 MP\)/);
  });
});

describe('TIFF decoder', () => {
  test('8-bit RGB, every compression scans use, decodes to the same pixels (JPEG: close)', async () => {
    for (const compression of ['none', 'lzw', 'deflate', 'packbits'] as const) {
      const { image, pages } = await decodeTiff(arrayBuffer(await tiff8(photo, compression)));
      expect(pages).toBe(1);
      expect(diffRgb(asRgba(image), photo), compression).toEqual({ mean: 0, max: 0 });
    }
    // JPEG: lossy, so compared with libtiff + libjpeg's decode of the same file (through sharp).
    const jpegTiff = await tiff8(photo, 'jpeg');
    const { image } = await decodeTiff(arrayBuffer(jpegTiff));
    const reference = await sharp(jpegTiff).ensureAlpha().raw().toBuffer();
    const d = diffRgb(asRgba(image), { width: 40, height: 30, data: new Uint8Array(reference) });
    console.log(`JPEG-in-TIFF against libjpeg: mean ${d.mean.toFixed(2)}, max ${d.max}; against the photo: mean ${diffRgb(asRgba(image), photo).mean.toFixed(2)}`);
    expect(d.mean).toBeLessThan(1.5);
  });

  test('16-bit RGB maps to 8 bits by rounding (v / 257), not by keeping the high byte', async () => {
    for (const compression of ['lzw', 'deflate'] as const) {
      const { tiff, as8bit } = await tiff16(photo, compression);
      const { image } = await decodeTiff(arrayBuffer(tiff));
      expect(diffRgb(asRgba(image), as8bit), compression).toEqual({ mean: 0, max: 0 });
    }
  });

  test('grey (8 and 16 bit), palette and CMYK scans become RGB', async () => {
    const grey8 = new Uint8Array(40 * 30).map((_, i) => photo.data[i * 4 + 1]!);
    const grey16 = new Uint16Array(40 * 30).map((_, i) => Math.min(65535, grey8[i]! * 257 + ((i * 53) % 255) - 127 + (grey8[i] ? 0 : 127)));
    for (const [samples, expected] of [[grey8, grey8], [grey16, grey16.map((v) => Math.round(v / 257))]] as const) {
      const { image } = await decodeTiff(arrayBuffer(await greyTiff(40, 30, samples)));
      const want: Rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => (i % 4 === 3 ? 255 : expected[i >> 2]!)) };
      expect(diffRgb(asRgba(image), want), `${samples.BYTES_PER_ELEMENT * 8}-bit grey`).toEqual({ mean: 0, max: 0 });
    }

    const { tiff, expected } = paletteTiff(photo);
    expect(diffRgb(asRgba((await decodeTiff(arrayBuffer(tiff))).image), expected)).toEqual({ mean: 0, max: 0 });

    // CMYK without its profile is shown the naive way (as browsers show untagged CMYK): close, not equal.
    const cmyk = await sharp(Buffer.from(photo.data), { raw: { width: 40, height: 30, channels: 4 } }).toColourspace('cmyk').tiff({ compression: 'lzw' }).toBuffer();
    expect(sniffImage(bytes(cmyk))).toMatchObject({ width: 40, height: 30 });
    expect(diffRgb(asRgba((await decodeTiff(arrayBuffer(cmyk))).image), photo).mean).toBeLessThan(25);
  });

  test('1, 2 and 4-bit grey (document scans) unpack to full-range 8-bit', async () => {
    const levels = new Uint8Array(16 * 4).map((_, i) => [0, 255, 255, 0, 255][i % 5]!);
    for (const bitdepth of [1, 2, 4] as const) {
      const t = await sharp(levels, { raw: { width: 16, height: 4, channels: 1 } }).toColourspace('b-w').tiff({ bitdepth, compression: 'lzw', predictor: 'none' }).toBuffer();
      expect(sniffImage(bytes(t))).toMatchObject({ bitDepth: bitdepth });
      const { image } = await decodeTiff(arrayBuffer(t));
      expect(Array.from(image.data.filter((_, i) => i % 4 === 0)), `${bitdepth}-bit`).toEqual(Array.from(levels));
    }
  });

  test('a multi-page TIFF gives its first page and the page count', async () => {
    const red: Rgba = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 4).map((_, i) => [200, 30, 30, 255][i % 4]!) };
    const { image, pages } = await decodeTiff(arrayBuffer(await multiPageTiff([photo, red])));
    expect(pages).toBe(2);
    expect(diffRgb(asRgba(image), photo)).toEqual({ mean: 0, max: 0 });
  });

  test('damaged and unsupported files throw; the size check runs before the pixels are allocated', async () => {
    const lzw = await tiff8(photo, 'lzw');
    // IFD kept, pixel data cut short (the IFD first, as some scanners write it).
    const ifdFirst = tiffFile({ width: 40, height: 30, bitsPerSample: [8, 8, 8], photometric: 2, pixels: Buffer.from(photo.data.filter((_, i) => i % 4 !== 3)), ifdFirst: true });
    await expect(decodeTiff(arrayBuffer(ifdFirst.subarray(0, 400)))).rejects.toThrow();
    await expect(decodeTiff(arrayBuffer(lzw.subarray(0, 100)))).rejects.toThrow();
    // An LZW strip cut short (its byte count says 300): geotiff stops at the end of the data
    // (UTIF.js's LZW loops forever on this), and the file is refused as damaged.
    const cutStrip = Buffer.from(lzw);
    const ifd = cutStrip.readUInt32LE(4);
    for (let i = 0; i < cutStrip.readUInt16LE(ifd); i++) {
      const entry = ifd + 2 + 12 * i;
      if (cutStrip.readUInt16LE(entry) === 279) cutStrip.writeUInt32LE(300, entry + 8); // StripByteCounts (one strip)
    }
    const started = performance.now();
    await expect(decodeTiff(arrayBuffer(cutStrip))).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5000);
    const lab = tiffFile({ width: 2, height: 2, bitsPerSample: [8], photometric: 4, pixels: Buffer.alloc(4) });
    await expect(decodeTiff(arrayBuffer(lab))).rejects.toThrow(UnsupportedTiffError);
    const seen: number[][] = [];
    await expect(decodeTiff(arrayBuffer(lzw), (w, h) => { seen.push([w, h]); throw new Error('too big'); })).rejects.toThrow('too big');
    expect(seen).toEqual([[40, 30]]);
  });
});

describe('HEIC decoder (libheif-js WebAssembly)', () => {
  test('decodes an HEVC photo close to the original it was encoded from', async () => {
    const img = await decodeHeic(bytes(heicPhoto()), loadWasm, () => undefined);
    expect([img.width, img.height]).toEqual([64, 48]);
    expect(diffRgb(asRgba(img), photoFixture(64, 48).image).mean).toBeLessThan(3);
  });

  test('an iPhone-style grid: tiles assembled, cropped to the grid size, and turned upright by irot', async () => {
    const img = await decodeHeic(bytes(heicIphoneGrid()), loadWasm, () => undefined);
    expect([img.width, img.height]).toEqual([90, 120]);
    // The 120x90 source, turned 90 degrees anticlockwise.
    const src = photoFixture(120, 90).image;
    const upright: Rgba = { width: 90, height: 120, data: new Uint8Array(90 * 120 * 4) };
    for (let y = 0; y < 120; y++)
      for (let x = 0; x < 90; x++)
        for (let c = 0; c < 4; c++) upright.data[(y * 90 + x) * 4 + c] = src.data[(x * 120 + (119 - y)) * 4 + c]!;
    expect(diffRgb(asRgba(img), upright).mean).toBeLessThan(3);
  });

  test('the size check runs before the RGBA buffer; a cut file throws', async () => {
    await expect(decodeHeic(bytes(heicPhoto()), loadWasm, (w, h) => { throw new Error(`refused ${w}x${h}`); })).rejects.toThrow('refused 64x48');
    await expect(decodeHeic(bytes(heicPhoto().subarray(0, 600)), loadWasm, () => undefined)).rejects.toThrow();
  });
});
