/** What this browser (or worker) can run: decides the execution provider and thread count. */
export interface Capabilities {
  /** `navigator.gpu` exists AND an adapter was granted (headless Chromium has the API but no adapter). */
  webgpu: boolean;
  /** Adapter description for the UI, when there is one. */
  gpuAdapter?: string;
  /** WASM threads need SharedArrayBuffer, which needs cross-origin isolation. */
  threads: boolean;
  /** Logical cores reported by the browser. */
  cores: number;
}

// Minimal module using the SIMD v128 type: validate() fails where SIMD is unsupported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function hasWasmSimd(): boolean {
  try {
    return WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

export async function detectCapabilities(): Promise<Capabilities> {
  const nav = globalThis.navigator as (Navigator & { gpu?: GPU }) | undefined;
  let webgpu = false;
  let gpuAdapter: string | undefined;
  if (nav?.gpu) {
    try {
      const adapter = await nav.gpu.requestAdapter();
      if (adapter) {
        webgpu = true;
        const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
        gpuAdapter = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : 'WebGPU';
      }
    } catch {
      webgpu = false;
    }
  }
  return {
    webgpu,
    gpuAdapter,
    threads: globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== 'undefined',
    cores: nav?.hardwareConcurrency ?? 1,
  };
}

export type BackendName = 'webgpu' | 'wasm';

export interface BackendChoice {
  name: BackendName;
  /** WASM threads (1 when not isolated); ignored by WebGPU for the GPU work itself. */
  threads: number;
}

/** WebGPU when an adapter exists, else WASM with as many threads as isolation and cores allow. */
export function chooseBackend(caps: Capabilities, prefer: 'auto' | BackendName = 'auto', maxThreads = 4): BackendChoice {
  const threads = caps.threads ? Math.max(1, Math.min(maxThreads, caps.cores)) : 1;
  if (prefer === 'webgpu' && !caps.webgpu) throw new Error('WebGPU is not available in this browser (no GPU adapter). Use the WASM backend.');
  const name: BackendName = prefer === 'auto' ? (caps.webgpu ? 'webgpu' : 'wasm') : prefer;
  return { name, threads };
}

export function describeBackend(b: BackendChoice, caps?: Capabilities): string {
  if (b.name === 'webgpu') return `WebGPU${caps?.gpuAdapter ? ` (${caps.gpuAdapter})` : ''}`;
  return `WASM SIMD · ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
}
