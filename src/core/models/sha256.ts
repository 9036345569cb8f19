/** SHA-256 via WebCrypto, which browsers, Web Workers and Node 20 all provide as globalThis.crypto. */

/** Lower-case hex sha256 of `bytes` (only the view's bytes when given a Uint8Array). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) {
    // crypto.subtle only exists in secure contexts (https or localhost).
    throw new Error('SHA-256 is unavailable: WebCrypto (crypto.subtle) needs a secure context (https or localhost)');
  }
  // digest() rejects SharedArrayBuffer-backed views, so copy those first.
  const input: ArrayBuffer | Uint8Array<ArrayBuffer> =
    bytes instanceof Uint8Array
      ? bytes.buffer instanceof ArrayBuffer
        ? (bytes as Uint8Array<ArrayBuffer>)
        : new Uint8Array(bytes)
      : bytes;
  const digest = new Uint8Array(await subtle.digest('SHA-256', input));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
