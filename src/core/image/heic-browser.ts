/**
 * HEIC in the browser: the chunk `decodeImage` imports the first time a HEIC is opened
 * (browser-codec.ts), and libheif's WebAssembly, fetched from this origin by it.
 */
import wasmUrl from 'libheif-js/libheif-wasm/libheif.wasm?url';
import { decodeHeic } from './heic-decode';
import type { RgbaImage } from './types';

export class WasmLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmLoadError';
  }
}

async function loadHeifWasm(): Promise<ArrayBuffer> {
  let response: Response;
  try {
    response = await fetch(wasmUrl);
  } catch (e) {
    throw new WasmLoadError(`fetching ${wasmUrl} failed: ${(e as Error)?.message ?? e}`);
  }
  if (!response.ok) throw new WasmLoadError(`${wasmUrl} answered ${response.status}`);
  return response.arrayBuffer();
}

export function decodeHeicFile(bytes: Uint8Array, checkSize: (width: number, height: number) => void): Promise<RgbaImage> {
  return decodeHeic(bytes, loadHeifWasm, checkSize);
}
