import { describe, expect, test } from 'vitest';
import { sniffImage, megapixels } from '../../src/core/image/sniff';
import sharp from 'sharp';
import { pngBomb, apng, animatedGif, png16, pngGreyAlpha, gradient, svgWithScript, heicStub, gifFrameBomb, jpegLateSof, webpBomb } from '../e2e/support/hostile-corpus';
import { checkImageHeader, MAX_INPUT_PIXELS } from '../../src/core/image/browser-codec';
import { SNIFF_BYTES } from '../../src/core/image/sniff';
import { encodePng } from '../e2e/support/images';

const bytes = (b: Buffer | number[]) => new Uint8Array(b);

describe('sniffImage', () => {
  test('reads PNG dimensions from IHDR without decoding (image bombs included)', () => {
    expect(sniffImage(bytes(encodePng(gradient(7, 3))))).toMatchObject({ format: 'png', width: 7, height: 3, bitDepth: 8 });
    expect(sniffImage(bytes(pngBomb(30000, 30000)))).toMatchObject({ format: 'png', width: 30000, height: 30000 });
    expect(sniffImage(bytes(pngBomb(60000, 60000)))).toMatchObject({ width: 60000, height: 60000 });
    expect(sniffImage(bytes(png16(4, 2)))).toMatchObject({ format: 'png', bitDepth: 16, width: 4, height: 2 });
    expect(sniffImage(bytes(pngGreyAlpha(5, 6)))).toMatchObject({ format: 'png', width: 5, height: 6 });
  });

  test('flags APNG and reads GIF dimensions', () => {
    const img = gradient(3, 2);
    expect(sniffImage(bytes(apng(img, img)))).toMatchObject({ format: 'png', animated: true, width: 3, height: 2 });
    expect(sniffImage(bytes(animatedGif(24, 16)))).toEqual({ format: 'gif', label: 'GIF', width: 24, height: 16, animated: true });
  });

  test('walks JPEG markers past APPn segments to the frame header', () => {
    const app1 = [0xff, 0xe1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00];
    const sof2 = [0xff, 0xc2, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    expect(sniffImage(bytes([0xff, 0xd8, ...app1, ...sof2, 0xff, 0xd9]))).toMatchObject({ format: 'jpeg', width: 600, height: 300, bitDepth: 8 });
    // Cut before the frame header: recognised, dimensions unknown, more bytes wanted.
    expect(sniffImage(bytes([0xff, 0xd8, 0xff, 0xe0, 0x00]))).toEqual({ format: 'jpeg', label: 'JPEG', needsMoreBytes: true });
    // Junk between segments is skipped to the next marker, as libjpeg does.
    expect(sniffImage(bytes([0xff, 0xd8, ...app1, 1, 2, 3, ...sof2, 0xff, 0xd9]))).toMatchObject({ width: 600, height: 300 });
  });

  test('reads WebP (VP8, VP8L, VP8X) and BMP headers', () => {
    const riff = (chunk: string, payload: number[]) => bytes([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP'), ...Buffer.from(chunk), 0, 0, 0, 0, ...payload]);
    expect(sniffImage(riff('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00]))).toMatchObject({ format: 'webp', width: 320, height: 240 });
    // VP8L: signature 0x2f, then 14 bits width-1, 14 bits height-1.
    const w = 99, h = 49, bits = (w - 1) | ((h - 1) << 14);
    expect(sniffImage(riff('VP8L', [0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >>> 24) & 0xff]))).toMatchObject({ width: 99, height: 49 });
    expect(sniffImage(riff('VP8X', [0x02, 0, 0, 0, 0xff, 0x0f, 0, 0x07, 0, 0]))).toMatchObject({ width: 4096, height: 8, animated: true });
    const bmp = Buffer.alloc(54);
    bmp.write('BM');
    bmp.writeInt32LE(12, 18);
    bmp.writeInt32LE(-5, 22); // top-down
    expect(sniffImage(bytes(bmp))).toMatchObject({ format: 'bmp', width: 12, height: 5 });
  });

  test('recognises formats browsers cannot open', () => {
    expect(sniffImage(bytes(heicStub)).format).toBe('heic');
    const avif = Buffer.concat([Buffer.from([0, 0, 0, 0x14]), Buffer.from('ftypavif'), Buffer.alloc(4), Buffer.from('mif1')]);
    expect(sniffImage(bytes(avif)).format).toBe('avif');
    expect(sniffImage(bytes([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0])).format).toBe('tiff');
    expect(sniffImage(bytes([0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8])).format).toBe('tiff');
    expect(sniffImage(bytes(Buffer.from('%PDF-1.7\n'))).format).toBe('pdf');
  });

  test('tells SVG from other text and from binary junk', () => {
    expect(sniffImage(bytes(svgWithScript)).format).toBe('svg');
    expect(sniffImage(bytes(Buffer.from('\uFEFF  <svg xmlns="http://www.w3.org/2000/svg"></svg>'))).format).toBe('svg');
    expect(sniffImage(bytes(Buffer.from('hello, this is a note\n'))).format).toBe('text');
    expect(sniffImage(bytes([0, 1, 2, 3, 250, 251]))).toEqual({ format: 'unknown', label: 'unknown' });
    expect(sniffImage(bytes([]))).toEqual({ format: 'unknown', label: 'unknown' });
  });

  test('megapixels formats for messages', () => {
    expect(megapixels(30000 * 30000)).toBe('900 MP');
    expect(megapixels(250_000_000)).toBe('250 MP');
    expect(megapixels(2_500_000)).toBe('2.5 MP');
  });

  test('sizes a GIF by its frames too: a 10x10 screen holding a 20000x20000 frame is 20000x20000', () => {
    expect(sniffImage(bytes(gifFrameBomb(20000, 20000)))).toMatchObject({ format: 'gif', width: 20000, height: 20000 });
    expect(gifFrameBomb(20000, 20000).length).toBe(35);
    // A frame offset inside the screen counts to its far edge; cut before the trailer wants more bytes.
    const offset = gifFrameBomb(30, 20);
    offset.writeUInt16LE(15, 20); // left
    expect(sniffImage(bytes(offset))).toMatchObject({ width: 45, height: 20 });
    expect(sniffImage(bytes(offset.subarray(0, 25)))).toMatchObject({ needsMoreBytes: true });
  });

  test('reads the size an AVIF declares in its ispe property (the largest of several)', () => {
    const ispe = (w: number, h: number) => { const b = Buffer.alloc(20); b.writeUInt32BE(20); b.write('ispe', 4); b.writeUInt32BE(w, 12); b.writeUInt32BE(h, 16); return b; };
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x14]), Buffer.from('ftypavif'), Buffer.alloc(4), Buffer.from('mif1')]);
    expect(sniffImage(bytes(Buffer.concat([ftyp, ispe(64, 48), ispe(30000, 20000)])))).toMatchObject({ format: 'avif', width: 30000, height: 20000 });
  });

  test('the bomb builders make real images: libvips decodes them at the size they declare (small here)', async () => {
    expect(sniffImage(bytes(webpBomb(16383, 16383)))).toMatchObject({ format: 'webp', width: 16383, height: 16383 });
    expect(webpBomb(16383, 16383).length).toBeLessThan(64);
    for (const b of [webpBomb(64, 48), await jpegLateSof(64, 48)]) {
      const { info } = await sharp(b, { failOn: 'none' }).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([64, 48]);
    }
  });
});

describe('checkImageHeader', () => {
  const blob = (b: Buffer) => new Blob([new Uint8Array(b)]);

  test('finds a JPEG frame header after 300 kB of metadata, past the first read', async () => {
    const late = await jpegLateSof(20000, 20000);
    expect(sniffImage(bytes(late.subarray(0, SNIFF_BYTES)))).toMatchObject({ needsMoreBytes: true });
    await expect(checkImageHeader(blob(late), 'late.jpg')).rejects.toThrow(/late.jpg declares 20000x20000 pixels \(400 MP\); Heirloom handles up to 250 MP/);
    await expect(checkImageHeader(blob(await jpegLateSof(4000, 3000)), 'ok.jpg')).resolves.toMatchObject({ width: 4000, height: 3000 });
  });

  test('refuses the GIF frame bomb and the WebP bomb before anything is decoded', async () => {
    await expect(checkImageHeader(blob(gifFrameBomb(20000, 20000)), 'frame.gif')).rejects.toThrow(/declares 20000x20000 pixels \(400 MP\)/);
    await expect(checkImageHeader(blob(webpBomb(16383, 16383)), 'big.webp')).rejects.toThrow(/declares 16383x16383 pixels \(268 MP\)/);
    expect(16383 * 16383).toBeGreaterThan(MAX_INPUT_PIXELS);
  });

  test('refuses an image whose header never says its size as damaged: no decoder could size it either', async () => {
    const noFrame = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0, 0xff, 0xd9]);
    await expect(checkImageHeader(blob(noFrame), 'x.jpg')).rejects.toThrow(/x.jpg could not be read as an image: this JPEG file is damaged or incomplete/);
  });
});
