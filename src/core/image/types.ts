/** 8-bit RGBA pixels in row-major order, the same layout as the DOM's ImageData. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** Planar float pixels, channel-major (CHW), what ONNX models take. */
export interface PlanarImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}
