/**
 * Image -> planar float tensors for the converted face-api.js nets (public/models/face/*.onnx).
 * Framework-free and DOM-free (runs in a worker and in Node). Reproduces face-api's tensor
 * input path (NetInput.toBatchTensor: padToSquare + tf.image.resizeBilinear with
 * alignCorners = false, halfPixelCenters = false) bit for bit on float32 inputs.
 *
 * All three ONNX graphs take RGB in 0..255 as float32 NCHW [1, 3, S, S]; the mean subtraction
 * and /255 face-api applies are inside the graphs, so these helpers only crop, pad and resize.
 */

/** Interleaved 8-bit (or float 0..255) pixels; `channels` defaults to 4 (RGBA, like ImageData). */
export interface InterleavedImage {
  width: number;
  height: number;
  data: ArrayLike<number>;
  channels?: 3 | 4;
}

/** An NCHW float32 tensor ready for onnxruntime: `dims` = [1, 3, size, size]. */
export interface FaceNetInput {
  data: Float32Array;
  dims: [1, 3, number, number];
}

/** Input sizes of the three nets. */
export const LANDMARK68_INPUT_SIZE = 112;
export const RECOGNITION_INPUT_SIZE = 150;

/**
 * Pads the region (x0, y0, w, h) of `img` with zeros to an L x L square (L = max(w, h)), the
 * image placed at (offX, offY) inside it, and resizes the square to size x size with TF's
 * legacy bilinear sampling (src = dst * L / size, no half-pixel offset). Output planar RGB.
 */
function padResizePlanar(
  img: InterleavedImage, x0: number, y0: number, w: number, h: number,
  offX: number, offY: number, size: number,
): Float32Array {
  const ch = img.channels ?? 4;
  const src = img.data;
  const L = Math.max(w, h);
  const plane = size * size;
  const out = new Float32Array(plane * 3);
  // Value of the padded square at (py, px), channel c.
  const at = (py: number, px: number, c: number): number => {
    const iy = py - offY, ix = px - offX;
    if (iy < 0 || ix < 0 || iy >= h || ix >= w) return 0;
    return src[((y0 + iy) * img.width + (x0 + ix)) * ch + c]!;
  };
  if (L === size) {
    // face-api skips the resize when the padded square already has the target size.
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < 3; c++) out[c * plane + y * size + x] = at(y, x, c);
    return out;
  }
  const ratio = L / size;
  for (let r = 0; r < size; r++) {
    const fr = ratio * r;
    const r0 = Math.max(0, Math.floor(fr));
    const rf = fr - r0;
    const r1 = Math.min(L - 1, Math.ceil(fr));
    for (let q = 0; q < size; q++) {
      const fq = ratio * q;
      const q0 = Math.max(0, Math.floor(fq));
      const qf = fq - q0;
      const q1 = Math.min(L - 1, Math.ceil(fq));
      for (let c = 0; c < 3; c++) {
        const tl = at(r0, q0, c), tr = at(r0, q1, c), bl = at(r1, q0, c), br = at(r1, q1, c);
        const top = tl + (tr - tl) * qf;
        const bottom = bl + (br - bl) * qf;
        out[c * plane + r * size + q] = top + (bottom - top) * rf;
      }
    }
  }
  return out;
}

/**
 * Detector input: the whole image (or the integer `region` of it) zero-padded at the bottom/right
 * to a square, then resized to inputSize (face-api TinyFaceDetector: toBatchTensor(inputSize,
 * isCenterInputs = false)). inputSize must be a multiple of 32 (face-api default 416; 320/224/160
 * are faster).
 */
export function tinyFaceDetectorInput(
  img: InterleavedImage, inputSize = 416,
  region: { x: number; y: number; width: number; height: number } = { x: 0, y: 0, width: img.width, height: img.height },
): FaceNetInput {
  if (!Number.isInteger(inputSize) || inputSize <= 0 || inputSize % 32 !== 0) {
    throw new RangeError(`inputSize must be a positive multiple of 32, got ${inputSize}`);
  }
  const data = padResizePlanar(img, region.x, region.y, region.width, region.height, 0, 0, inputSize);
  return { data, dims: [1, 3, inputSize, inputSize] };
}

/**
 * face-api Box.clipAtImageBorders(): clip to the image, then floor x, y, width and height.
 * Returns null when nothing is left.
 */
export function clipBoxToImage(box: { x: number; y: number; width: number; height: number }, imageWidth: number, imageHeight: number) {
  const x = Math.max(box.x, 0), y = Math.max(box.y, 0);
  const width = Math.min(box.x + box.width - x, imageWidth - x);
  const height = Math.min(box.y + box.height - y, imageHeight - y);
  const r = { x: Math.floor(x), y: Math.floor(y), width: Math.floor(width), height: Math.floor(height) };
  return r.width > 0 && r.height > 0 ? r : null;
}

/** Crop + net input, plus the integer crop rect actually used (needed to map landmarks back). */
export interface FaceCropInput extends FaceNetInput {
  crop: { x: number; y: number; width: number; height: number };
}

/**
 * Landmark / recognition input: crop `box` (pixels; clipped + floored like face-api's
 * extractFaceTensors), zero-pad the crop to a centred square (padToSquare(isCenterImage = true):
 * round(diff / 2) after, the rest before), resize to `size` (112 landmarks, 150 recognition).
 */
export function faceCropInput(
  img: InterleavedImage,
  box: { x: number; y: number; width: number; height: number },
  size: number,
): FaceCropInput {
  const crop = clipBoxToImage(box, img.width, img.height);
  if (!crop) throw new RangeError(`box ${JSON.stringify(box)} is outside the ${img.width}x${img.height} image`);
  const diff = Math.abs(crop.width - crop.height);
  const before = diff - Math.round(diff * 0.5);
  const offX = crop.width < crop.height ? before : 0;
  const offY = crop.height < crop.width ? before : 0;
  const data = padResizePlanar(img, crop.x, crop.y, crop.width, crop.height, offX, offY, size);
  return { data, dims: [1, 3, size, size], crop };
}

/** Several same-size net inputs stacked into one batch [N, 3, S, S] (the graphs take any N). */
export function stackInputs(inputs: readonly FaceNetInput[]): { data: Float32Array; dims: [number, 3, number, number] } {
  if (!inputs.length) throw new RangeError('no inputs');
  const [, , h, w] = inputs[0]!.dims;
  const n = 3 * h * w;
  const data = new Float32Array(inputs.length * n);
  inputs.forEach((t, i) => {
    if (t.dims[2] !== h || t.dims[3] !== w) throw new RangeError('inputs differ in size');
    data.set(t.data, i * n);
  });
  return { data, dims: [inputs.length, 3, h, w] };
}
