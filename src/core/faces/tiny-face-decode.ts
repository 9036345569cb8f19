/**
 * Box decoding + non-max suppression for the converted face-api.js TinyFaceDetector
 * (public/models/face/face-detector.onnx). Framework-free and DOM-free: runs in a worker and
 * in Node. Reproduces TinyYolov2Base.extractBoxes() + detect() of @vladmandic/face-api 1.7.x.
 *
 * The ONNX output `grid` is NCHW [1, 25, gh, gw] (gh = H/32, gw = W/32). Channel
 * c = anchor * 5 + k with k = 0: x, 1: y, 2: w, 3: h, 4: objectness logit. (face-api's
 * NHWC output reshaped to [gh, gw, 5, 5] is the same tensor.) The detector has one class
 * ('face'), so there are no class scores.
 */

/** Anchor box sizes in grid cells (src/tinyFaceDetector/const.ts BOX_ANCHORS). */
export const TINY_FACE_ANCHORS: ReadonlyArray<{ readonly x: number; readonly y: number }> = [
  { x: 1.603231, y: 2.094468 },
  { x: 6.041143, y: 7.080126 },
  { x: 2.882459, y: 3.518061 },
  { x: 4.266906, y: 5.178857 },
  { x: 9.041765, y: 10.66308 },
];

/** face-api's IOU_THRESHOLD for the tiny face detector. */
export const TINY_FACE_IOU_THRESHOLD = 0.4;
/** face-api's default TinyFaceDetectorOptions.scoreThreshold. */
export const TINY_FACE_SCORE_THRESHOLD = 0.5;
/** Values per anchor: x, y, w, h, score. */
export const TINY_FACE_BOX_ENCODING = 5;
/** Total stride of the network: the grid is input / 32. */
export const TINY_FACE_STRIDE = 32;

/** An axis-aligned box: top-left corner + size. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface TinyFaceDetection {
  /** sigmoid(objectness), in (0, 1). */
  score: number;
  /** Box in pixels of the original image (relativeBox * image size), like face-api's `box`. */
  box: FaceBox;
  /** Box relative to the original image (0..1 on each axis), like face-api's `relativeBox`. */
  relativeBox: FaceBox;
  /** Grid cell and anchor the detection came from. */
  row: number;
  col: number;
  anchor: number;
}

export interface TinyFaceDecodeOptions {
  /** Size of the original image (before letterboxing). */
  imageWidth: number;
  imageHeight: number;
  /** Keep candidates with score strictly above this (face-api default 0.5). */
  scoreThreshold?: number;
  /** NMS IoU threshold (face-api: 0.4). */
  iouThreshold?: number;
}

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Intersection over union (face-api ops/iou.ts with isIOU = true). */
export function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const h = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy NMS exactly as face-api ops/nonMaxSuppression.ts: highest score first (ties: the later
 * index first), drop every remaining box whose IoU with the pick exceeds `iouThreshold`.
 * Returns the picked indices in pick order (descending score).
 */
export function nonMaxSuppression(boxes: readonly FaceBox[], scores: readonly number[], iouThreshold: number): number[] {
  if (boxes.length !== scores.length) throw new RangeError('boxes and scores differ in length');
  // Stable ascending sort, then pop from the end, like the original.
  let order = scores.map((score, i) => ({ score, i })).sort((p, q) => p.score - q.score).map((p) => p.i);
  const pick: number[] = [];
  while (order.length > 0) {
    const curr = order.pop()!;
    pick.push(curr);
    order = order.filter((idx) => iou(boxes[curr]!, boxes[idx]!) <= iouThreshold);
  }
  return pick;
}

/**
 * Letterbox geometry face-api assumes: the image is scaled so it fits the network input
 * (longer side = input size for a square input) and sits in the top-left corner.
 * Matches utils.computeReshapedDimensions (Math.round of the scaled size).
 */
export function reshapedDimensions(imageWidth: number, imageHeight: number, inputWidth: number, inputHeight = inputWidth) {
  const scale = Math.min(inputWidth / imageWidth, inputHeight / imageHeight);
  return { width: Math.round(imageWidth * scale), height: Math.round(imageHeight * scale), scale };
}

function checkDims(grid: ArrayLike<number>, dims: readonly number[]) {
  if (dims.length !== 4 || dims[0] !== 1 || dims[1] !== TINY_FACE_ANCHORS.length * TINY_FACE_BOX_ENCODING) {
    throw new RangeError(`expected grid dims [1, 25, gh, gw], got [${dims.join(', ')}]`);
  }
  const [, c, gh, gw] = dims as [number, number, number, number];
  if (grid.length !== c * gh * gw) throw new RangeError(`grid has ${grid.length} values, dims say ${c * gh * gw}`);
  return { gh, gw };
}

/**
 * All candidates above the score threshold, before NMS, in face-api's scan order
 * (row, col, anchor). `grid` is the raw ONNX output (NCHW, batch 1).
 */
export function decodeTinyFaceGrid(
  grid: ArrayLike<number>,
  dims: readonly number[],
  opts: TinyFaceDecodeOptions,
): TinyFaceDetection[] {
  const { gh, gw } = checkDims(grid, dims);
  const { imageWidth, imageHeight } = opts;
  const threshold = opts.scoreThreshold ?? TINY_FACE_SCORE_THRESHOLD;
  const inW = gw * TINY_FACE_STRIDE, inH = gh * TINY_FACE_STRIDE;
  const reshaped = reshapedDimensions(imageWidth, imageHeight, inW, inH);
  // Boxes come out relative to the network input; rescale so they are relative to the image
  // part of the letterboxed input (face-api's correctionFactorX / Y).
  const corrX = inW / reshaped.width, corrY = inH / reshaped.height;
  const plane = gh * gw;
  const out: TinyFaceDetection[] = [];
  for (let row = 0; row < gh; row++) {
    for (let col = 0; col < gw; col++) {
      const cell = row * gw + col;
      for (let anchor = 0; anchor < TINY_FACE_ANCHORS.length; anchor++) {
        const base = anchor * TINY_FACE_BOX_ENCODING * plane + cell;
        const score = sigmoid(grid[base + 4 * plane]!);
        if (threshold && !(score > threshold)) continue;
        const a = TINY_FACE_ANCHORS[anchor]!;
        const cx = ((col + sigmoid(grid[base]!)) / gw) * corrX;
        const cy = ((row + sigmoid(grid[base + plane]!)) / gh) * corrY;
        const w = ((Math.exp(grid[base + 2 * plane]!) * a.x) / gw) * corrX;
        const h = ((Math.exp(grid[base + 3 * plane]!) * a.y) / gh) * corrY;
        const relativeBox = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
        out.push({
          score,
          relativeBox,
          box: {
            x: relativeBox.x * imageWidth, y: relativeBox.y * imageHeight,
            width: relativeBox.width * imageWidth, height: relativeBox.height * imageHeight,
          },
          row, col, anchor,
        });
      }
    }
  }
  return out;
}

/**
 * Decode + NMS: face-api's TinyFaceDetector.locateFaces() on the raw grid. NMS runs on the
 * relative boxes (as face-api does), detections are returned by descending score.
 */
export function detectTinyFaces(
  grid: ArrayLike<number>,
  dims: readonly number[],
  opts: TinyFaceDecodeOptions,
): TinyFaceDetection[] {
  const candidates = decodeTinyFaceGrid(grid, dims, opts);
  const keep = nonMaxSuppression(
    candidates.map((c) => c.relativeBox),
    candidates.map((c) => c.score),
    opts.iouThreshold ?? TINY_FACE_IOU_THRESHOLD,
  );
  return keep.map((i) => candidates[i]!);
}
