/**
 * HEIC/HEIF (iPhone photos) to 8-bit RGBA with libheif-js: libheif and libde265 (HEVC)
 * compiled to WebAssembly. libheif assembles grid images (an iPhone photo is a grid of 512x512
 * tiles) and applies the rotation and mirroring the file declares (irot/imir), as Apple's and
 * other viewers do. Loaded on demand by `decodeImage` (browser-codec.ts); the caller supplies
 * the .wasm bytes (fetched from this origin in the browser, read from disk in Node).
 */
import createLibheif, { type Libheif } from 'libheif-js/libheif-wasm/libheif.js';
import type { RgbaImage } from './types';

export class HeicDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeicDecodeError';
  }
}

let libheif: Promise<Libheif> | undefined;

/** The WebAssembly module, instantiated once per worker (a failed start is retried next time). */
function instance(loadWasm: () => Promise<ArrayBuffer>): Promise<Libheif> {
  libheif ??= loadWasm().then((wasmBinary) => createLibheif({ wasmBinary }));
  libheif.catch(() => (libheif = undefined));
  return libheif;
}

/**
 * Decodes the primary image. `checkSize` runs once the decoded size is known and before the
 * RGBA buffer is allocated (the header check already read the declared size; this guards the
 * real one).
 */
export async function decodeHeic(bytes: Uint8Array, loadWasm: () => Promise<ArrayBuffer>, checkSize: (width: number, height: number) => void): Promise<RgbaImage> {
  const heif = await instance(loadWasm);
  const decoder = new heif.HeifDecoder();
  const images = decoder.decode(bytes);
  try {
    const primary = images.find((i) => i.is_primary()) ?? images[0];
    if (!primary) throw new HeicDecodeError('libheif found no image in the file');
    const width = primary.get_width(), height = primary.get_height();
    checkSize(width, height);
    const data = new Uint8ClampedArray(width * height * 4);
    const ok = await new Promise<unknown>((done) => primary.display({ data, width, height }, done));
    if (!ok) throw new HeicDecodeError('libheif could not decode the image data');
    return { width, height, data };
  } finally {
    for (const i of images) i.free();
    if (decoder.decoder) heif.heif_context_free(decoder.decoder);
  }
}
