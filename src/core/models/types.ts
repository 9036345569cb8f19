/**
 * A model manifest: everything the runtime needs to load, verify and drive one ONNX file.
 * Manifests are the single source of truth for a model; the UI, worker, tests and CLI read them.
 */
export interface ModelManifest {
  /** Stable id, e.g. "esrgan-medium-x2". */
  id: string;
  /** Human-readable label for the UI. */
  label: string;
  /** Pipeline stage this model serves. */
  task: 'upscale' | 'repair-detect' | 'repair-tears' | 'inpaint' | 'denoise' | 'face' | 'face-detect' | 'face-landmarks' | 'face-recognize' | 'colorize';
  /** File name, resolved relative to the manifest's base URL. */
  file: string;
  /** Lower-case hex sha256 of the file; the loader refuses anything else. */
  sha256: string;
  /** File size in bytes. */
  size: number;
  /** Tensor names and layout. */
  input: TensorSpec;
  output: TensorSpec;
  /** Output size / input size (1 for same-size models). */
  scale: number;
  /** Preferred square tile edge (input pixels) and overlap between tiles (input pixels). */
  tile: { size: number; overlap: number };
  /** Numeric precision of the stored weights. */
  precision: 'fp32' | 'fp16' | 'int8';
  /** Where the weights came from and under which licence. */
  source: { package?: string; version?: string; url?: string; description: string };
  license: string;
  /**
   * Detection models: the probability from which a pixel counts as found, calibrated on held-out
   * data for precision (the card says how). 0.5 when absent.
   */
  threshold?: number;
  /** Optional path of the model card relative to the repository root. */
  card?: string;
  /**
   * How a colorization model's tensors are laid out (pre- and post-processing differ between
   * families: src/stages/colorize/conventions.ts). Colorize models only.
   */
  convention?: ColorizeConvention | FaceConvention;
}

/** Face restoration families (src/stages/face/conventions.ts). */
export const FACE_CONVENTIONS = ['heirloom-face', 'gfpgan', 'codeformer', 'gpen'] as const;
export type FaceConvention = (typeof FACE_CONVENTIONS)[number];

export const COLORIZE_CONVENTIONS = ['heirloom-lab-hints', 'ddcolor', 'deoldify'] as const;
export type ColorizeConvention = (typeof COLORIZE_CONVENTIONS)[number];

export interface TensorSpec {
  name: string;
  /** Only NCHW with 3 colour channels (RGB) is used so far. */
  layout: 'NCHW';
  channels: number;
  /** The value range the model reads or writes, e.g. [0, 255] or [0, 1]. */
  range: [number, number];
}
