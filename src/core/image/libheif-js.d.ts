/** The part of libheif-js's wasm build (an Emscripten factory) that heic-decode.ts uses. */
declare module 'libheif-js/libheif-wasm/libheif.js' {
  export interface HeifImage {
    get_width(): number;
    get_height(): number;
    is_primary(): boolean;
    /** Decodes to RGBA into `target.data`; calls back with null when decoding failed. */
    display(target: { data: Uint8ClampedArray; width: number; height: number }, done: (result: unknown) => void): void;
    free(): void;
  }
  export interface HeifDecoder {
    /** The top-level images; an empty list when the file could not be parsed. */
    decode(bytes: Uint8Array): HeifImage[];
    /** The libheif context of the last decode (freed with heif_context_free). */
    decoder: unknown;
  }
  export interface Libheif {
    HeifDecoder: new () => HeifDecoder;
    heif_context_free(context: unknown): void;
  }
  const factory: (options: { wasmBinary: ArrayBuffer | Uint8Array }) => Promise<Libheif>;
  export default factory;
}
