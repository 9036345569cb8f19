/**
 * face-api.js -> ONNX (models/faces/convert-faceapi.mjs): each converted net is run on the same
 * input as @vladmandic/face-api's own network classes (TF.js 4.11, pure-JS CPU backend), and the
 * box decoder / preprocessing / landmark mapping in src/core/faces are checked against face-api's
 * own pipeline. Plus detection on fixtures with known face boxes.
 *
 * Tolerances (fp32; measured max |ONNX - TF.js| relative to the largest |TF.js| value is
 * ~1e-6 for all three nets, see the console output):
 *   detector grid, landmarks, descriptor: max |diff| <= 2e-5 * max |ref|.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import onnxProto from 'onnx-proto';
import {
  TINY_FACE_ANCHORS, decodeTinyFaceGrid, detectTinyFaces, iou, nonMaxSuppression, sigmoid, type FaceBox,
} from '../../src/core/faces/tiny-face-decode';
import { faceCropInput, stackInputs, tinyFaceDetectorInput, type InterleavedImage } from '../../src/core/faces/preprocess';
import { alignedFaceBox, descriptorDistance, fivePointsFrom68, landmarksToImage } from '../../src/core/faces/landmarks';

const root = join(import.meta.dirname, '../..');
const data = join(root, '..', 'shared/data');
const ffhqPath = join(data, 'eval/ffhq-10/00002.png');
const utk = ['25_0_0_20170102233320979.jpg.chip.jpg', '26_1_3_20170109133227729.jpg.chip.jpg', '37_0_2_20170104022325581.jpg.chip.jpg']
  .map((f) => join(data, 'faces/utkface', f));
const haveData = existsSync(ffhqPath) && utk.every((p) => existsSync(p));

/** Face box of an FFHQ-aligned 1024 image: the alignment centres the face; brows-to-chin, cheek-to-cheek region. */
const FFHQ_FACE: FaceBox = { x: 0.2 * 1024, y: 0.3 * 1024, width: 0.6 * 1024, height: 0.6 * 1024 };
/** Composite fixture: two UTKFace chips (200x200) on a grey 640x320 canvas. */
const COMPOSITE = { width: 640, height: 320, grey: 128, at: [[80, 60], [360, 60]] as const };

const PEAK_REL_TOL = 2e-5;

type Converter = {
  convertAll(modelDir?: string): Record<string, Uint8Array>;
  DEFAULT_MODEL_DIR: string;
  EVAL_ONLY: string[];
  TINY_FACE_ANCHORS: number[][];
};

const require = createRequire(import.meta.url);
/** face-api's classes come from a CommonJS bundle without usable typings here. */
type Any = any;

function rgbImage(width: number, height: number, data: Uint8Array): InterleavedImage {
  return { width, height, data, channels: 3 };
}

function readPngRgb(path: string): InterleavedImage {
  const png = PNG.sync.read(readFileSync(path));
  const rgb = new Uint8Array(png.width * png.height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = png.data[j]!; rgb[i + 1] = png.data[j + 1]!; rgb[i + 2] = png.data[j + 2]!;
  }
  return rgbImage(png.width, png.height, rgb);
}

async function readJpegRgb(path: string): Promise<InterleavedImage> {
  const { data: buf, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return rgbImage(info.width, info.height, new Uint8Array(buf));
}

/** Deterministic LCG noise image (RGB 0..255 integers). */
function noiseImage(width: number, height: number, seed: number): InterleavedImage {
  const d = new Uint8Array(width * height * 3);
  for (let i = 0; i < d.length; i++) d[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  return rgbImage(width, height, d);
}

function composite(chips: InterleavedImage[]): InterleavedImage {
  const { width: W, height: H, grey, at } = COMPOSITE;
  const d = new Uint8Array(W * H * 3).fill(grey);
  chips.forEach((c, k) => {
    const [px, py] = at[k]!;
    for (let y = 0; y < c.height; y++)
      for (let x = 0; x < c.width; x++)
        for (let ch = 0; ch < 3; ch++) d[((py + y) * W + px + x) * 3 + ch] = c.data[(y * c.width + x) * 3 + ch]!;
  });
  return rgbImage(W, H, d);
}

const nhwcToNchw = (a: ArrayLike<number>, c: number, h: number, w: number) => {
  const out = new Float32Array(a.length);
  for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out[k * h * w + i] = a[i * c + k]!;
  return out;
};

/** max |a - b| and max |b| (b = reference). */
function diff(a: ArrayLike<number>, b: ArrayLike<number>) {
  expect(a.length).toBe(b.length);
  let maxAbs = 0, peak = 0;
  for (let i = 0; i < a.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(a[i]! - b[i]!));
    peak = Math.max(peak, Math.abs(b[i]!));
  }
  return { maxAbs, peak, rel: maxAbs / peak };
}

const toPixelBox = (b: Any): FaceBox => ({ x: b.x, y: b.y, width: b.width, height: b.height });

describe('tiny face decoder (synthetic grids)', () => {
  /** A [1,25,gh,gw] grid with every score at -20 (sigmoid ~ 2e-9). */
  const emptyGrid = (gh: number, gw: number) => {
    const g = new Float32Array(25 * gh * gw);
    for (let a = 0; a < 5; a++) g.fill(-20, (a * 5 + 4) * gh * gw, (a * 5 + 5) * gh * gw);
    return g;
  };
  const set = (g: Float32Array, gh: number, gw: number, row: number, col: number, anchor: number, v: number[]) =>
    v.forEach((x, k) => { g[(anchor * 5 + k) * gh * gw + row * gw + col] = x; });

  it('decodes one cell with face-api geometry, including the letterbox correction', () => {
    const gh = 10, gw = 10;
    const g = emptyGrid(gh, gw);
    set(g, gh, gw, 2, 3, 1, [0, 0, Math.log(0.5), Math.log(0.25), 3]);
    // 640x320 image in a 320 input: reshaped to 320x160, so y is stretched by 2.
    const dets = detectTinyFaces(g, [1, 25, gh, gw], { imageWidth: 640, imageHeight: 320 });
    expect(dets).toHaveLength(1);
    const d = dets[0]!;
    expect(d.score).toBeCloseTo(sigmoid(3), 12);
    expect([d.row, d.col, d.anchor]).toEqual([2, 3, 1]);
    const a = TINY_FACE_ANCHORS[1]!;
    const w = (0.5 * a.x) / 10, h = ((0.25 * a.y) / 10) * 2;
    // The grid is float32, so log(0.5) etc. are rounded: compare to ~1e-7.
    expect(d.relativeBox.x).toBeCloseTo(3.5 / 10 - w / 2, 7);
    expect(d.relativeBox.y).toBeCloseTo((2.5 / 10) * 2 - h / 2, 7);
    expect(d.relativeBox.width).toBeCloseTo(w, 7);
    expect(d.relativeBox.height).toBeCloseTo(h, 7);
    expect(d.box.x).toBeCloseTo(d.relativeBox.x * 640, 9);
    expect(d.box.height).toBeCloseTo(d.relativeBox.height * 320, 9);
  });

  it('applies the score threshold strictly and NMS with IoU 0.4', () => {
    const gh = 4, gw = 4;
    const g = emptyGrid(gh, gw);
    set(g, gh, gw, 1, 1, 2, [0, 0, 0, 0, 2]); // strongest
    set(g, gh, gw, 1, 1, 3, [0.1, 0, 0, 0, 1]); // same place, similar size: suppressed
    set(g, gh, gw, 3, 3, 0, [0, 0, 0, 0, 0.5]); // far away: kept
    set(g, gh, gw, 0, 3, 0, [0, 0, 0, 0, 0]); // sigmoid(0) = 0.5: not > 0.5
    const opts = { imageWidth: 128, imageHeight: 128 };
    expect(decodeTinyFaceGrid(g, [1, 25, gh, gw], opts)).toHaveLength(3);
    const dets = detectTinyFaces(g, [1, 25, gh, gw], opts);
    expect(dets.map((d) => [d.row, d.col, d.anchor])).toEqual([[1, 1, 2], [3, 3, 0]]);
    expect(detectTinyFaces(g, [1, 25, gh, gw], { ...opts, scoreThreshold: 0.9 })).toHaveLength(0);
    expect(() => detectTinyFaces(g, [1, 30, gh, gw], opts)).toThrow(RangeError);
  });

  it('nonMaxSuppression and iou follow face-api ops', () => {
    const b = (x: number, y: number, s = 10): FaceBox => ({ x, y, width: s, height: s });
    expect(iou(b(0, 0), b(5, 0))).toBeCloseTo(50 / 150, 12);
    expect(iou(b(0, 0), b(20, 20))).toBe(0);
    expect(nonMaxSuppression([b(0, 0), b(1, 1), b(30, 30), b(2, 2)], [0.6, 0.9, 0.7, 0.8], 0.4)).toEqual([1, 2]);
    // Ties: face-api pops the later index first.
    expect(nonMaxSuppression([b(0, 0), b(0, 0)], [0.5, 0.5], 0.4)).toEqual([1]);
  });
});

describe('face-api.js nets converted to ONNX match TF.js', () => {
  let faceapi: Any, tf: Any, conv: Converter;
  let files: Record<string, Uint8Array>;
  const sessions: Record<string, ort.InferenceSession> = {};
  const measured: Record<string, number> = {};
  const track = (key: string, rel: number) => { measured[key] = Math.max(measured[key] ?? 0, rel); };

  beforeAll(async () => {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    tf = faceapi.tf;
    await tf.setBackend('cpu');
    await tf.ready();
    const modelDir = join(root, 'node_modules/@vladmandic/face-api/model');
    await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
    conv = (await import(pathToFileURL(join(root, 'models/faces/convert-faceapi.mjs')).href)) as Converter;
    files = conv.convertAll();
    for (const [name, bytes] of Object.entries(files)) {
      sessions[name] = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    }
  });

  const run = async (file: string, input: { data: Float32Array; dims: readonly number[] }) => {
    const s = sessions[file]!;
    const r = await s.run({ input: new ort.Tensor('float32', input.data, input.dims as number[]) });
    return r[s.outputNames[0]!] as ort.Tensor;
  };

  /** HWC float32 tf tensor of an image (what face-api's tensor input path takes). */
  const tfImage = (img: InterleavedImage) =>
    tf.tensor3d(Float32Array.from(img.data), [img.height, img.width, img.channels ?? 4]);

  it('writes deterministic files identical to the shipped public/models/face/*.onnx', () => {
    const again = conv.convertAll();
    for (const [name, bytes] of Object.entries(files)) {
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(again[name]!))).toBe(0);
      if (conv.EVAL_ONLY.includes(name)) continue; // not shipped: converted when the card is measured
      const shipped = join(root, 'public/models/face', name);
      expect(existsSync(shipped), `${shipped} missing: run node models/faces/convert-faceapi.mjs`).toBe(true);
      const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
      expect(sha(readFileSync(shipped)), `${name} is stale: re-run the converter`).toBe(sha(bytes));
    }
    expect(Object.keys(files).sort()).toEqual(['face-detector.onnx', 'face-landmarks68.onnx', 'face-recognition.onnx']);
    // The TS decoder's anchors are the converter's (both copied from the package), and face-api's own.
    expect(TINY_FACE_ANCHORS.map((a) => [a.x, a.y])).toEqual(conv.TINY_FACE_ANCHORS);
    expect(faceapi.nets.tinyFaceDetector.anchors.map((a: Any) => [a.x, a.y])).toEqual(conv.TINY_FACE_ANCHORS);
  });

  it('writes every Conv / pool attribute explicitly (the ORT WebGPU kernels need them) and uses opset 17', () => {
    const required: Record<string, string[]> = {
      Conv: ['kernel_shape', 'strides', 'dilations', 'pads', 'group'],
      MaxPool: ['kernel_shape', 'strides', 'pads', 'dilations', 'ceil_mode'],
      AveragePool: ['kernel_shape', 'strides', 'pads', 'ceil_mode', 'count_include_pad'],
    };
    const ops = new Set<string>();
    for (const [name, bytes] of Object.entries(files)) {
      const m = onnxProto.onnx.ModelProto.decode(bytes);
      expect(Number(m.opsetImport[0]!.version)).toBe(17);
      expect(m.docString).toContain('@vladmandic/face-api@');
      for (const n of m.graph!.node!) {
        ops.add(n.opType!);
        const want = required[n.opType!];
        if (want) expect(n.attribute!.map((a) => a.name).sort(), `${name} ${n.name}`).toEqual([...want].sort());
      }
    }
    expect([...ops].sort()).toEqual(['Add', 'AveragePool', 'Conv', 'Div', 'Flatten', 'Gemm', 'GlobalAveragePool',
      'LeakyRelu', 'MatMul', 'MaxPool', 'Pad', 'Relu', 'Sub']);
  });

  /** Detector on one image: preprocessing, raw grid and decoded detections vs face-api. */
  async function checkDetector(img: InterleavedImage, inputSize: number, key: string) {
    const t = tfImage(img);
    const netInput = await faceapi.toNetInput(t);
    const refInput = tf.tidy(() => netInput.toBatchTensor(inputSize, false));
    const ours = tinyFaceDetectorInput(img, inputSize);
    const pre = diff(ours.data, nhwcToNchw(refInput.dataSync(), 3, inputSize, inputSize));
    refInput.dispose();
    expect(pre.maxAbs).toBeLessThanOrEqual(1e-4);

    const refGrid = faceapi.nets.tinyFaceDetector.forwardInput(netInput, inputSize);
    const n = inputSize / 32;
    expect(refGrid.shape).toEqual([1, n, n, 25]);
    const grid = await run('face-detector.onnx', ours);
    expect(grid.dims).toEqual([1, 25, n, n]);
    const d = diff(grid.data as Float32Array, nhwcToNchw(refGrid.dataSync(), 25, n, n));
    refGrid.dispose();
    console.log(`detector ${key} @${inputSize}: preprocess max|diff| ${pre.maxAbs}, grid max|diff| ${d.maxAbs.toExponential(2)} (peak ${d.peak.toFixed(2)}, rel ${d.rel.toExponential(2)})`);
    track('detector', d.rel);
    expect(d.rel).toBeLessThanOrEqual(PEAK_REL_TOL);

    const ref = await faceapi.nets.tinyFaceDetector.locateFaces(t, { inputSize, scoreThreshold: 0.5 });
    t.dispose();
    const dets = detectTinyFaces(grid.data as Float32Array, grid.dims, { imageWidth: img.width, imageHeight: img.height });
    expect(dets.length).toBe(ref.length);
    dets.forEach((det, i) => {
      expect(Math.abs(det.score - ref[i].score)).toBeLessThan(1e-4);
      const r = toPixelBox(ref[i].box);
      for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(det.box[k] - r[k])).toBeLessThan(0.05);
    });
    return dets;
  }

  it('tiny face detector: grid matches on noise at 320, 416 and a non-square 256x160 input', async () => {
    await checkDetector(noiseImage(300, 200, 1), 320, 'noise');
    await checkDetector(noiseImage(200, 260, 2), 416, 'noise');
    // Dynamic input: any multiple of 32 on each axis (face-api itself only feeds squares).
    const img = noiseImage(256, 160, 3);
    const planar = nhwcToNchw(Float32Array.from(img.data), 3, 160, 256);
    const grid = await run('face-detector.onnx', { data: planar, dims: [1, 3, 160, 256] });
    expect(grid.dims).toEqual([1, 25, 5, 8]);
    const ref = faceapi.nets.tinyFaceDetector.runMobilenet(
      tf.tidy(() => tf.tensor4d(Float32Array.from(img.data), [1, 160, 256, 3]).sub(tf.tensor1d([117.001, 114.697, 97.404])).div(255)),
      faceapi.nets.tinyFaceDetector.params,
    );
    const d = diff(grid.data as Float32Array, nhwcToNchw(ref.dataSync(), 25, 5, 8));
    ref.dispose();
    track('detector', d.rel);
    expect(d.rel).toBeLessThanOrEqual(PEAK_REL_TOL);
  });

  it.skipIf(!haveData)('tiny face detector: FFHQ face and a two-face composite give exactly the known boxes', async () => {
    const ffhq = readPngRgb(ffhqPath);
    const f = await checkDetector(ffhq, 320, 'ffhq-00002');
    expect(f).toHaveLength(1);
    console.log('ffhq detection', f[0]!.score.toFixed(3), f[0]!.box, 'IoU vs known', iou(f[0]!.box, FFHQ_FACE).toFixed(3));
    expect(iou(f[0]!.box, FFHQ_FACE)).toBeGreaterThan(0.5);

    const chips = await Promise.all(utk.slice(0, 2).map(readJpegRgb));
    const comp = composite(chips);
    const dets = await checkDetector(comp, 320, 'composite');
    expect(dets).toHaveLength(2);
    const known = COMPOSITE.at.map(([x, y]) => ({ x, y, width: 200, height: 200 }));
    for (const k of known) {
      const best = Math.max(...dets.map((d) => iou(d.box, k)));
      console.log('composite known box', k, 'best IoU', best.toFixed(3));
      expect(best).toBeGreaterThan(0.5);
    }
  });

  /** Landmarks on one crop: preprocessing, raw output and mapped points vs face-api. */
  async function checkLandmarks(img: InterleavedImage, box: FaceBox, key: string) {
    const ours = faceCropInput(img, box, 112);
    const t = tfImage(img);
    const [faceTensor] = await faceapi.extractFaceTensors(t, [new faceapi.Rect(box.x, box.y, box.width, box.height)]);
    t.dispose();
    expect(faceTensor.shape).toEqual([ours.crop.height, ours.crop.width, 3]);
    const netInput = await faceapi.toNetInput(faceTensor);
    const refInput = tf.tidy(() => netInput.toBatchTensor(112, true));
    const pre = diff(ours.data, nhwcToNchw(refInput.dataSync(), 3, 112, 112));
    refInput.dispose();
    expect(pre.maxAbs).toBeLessThanOrEqual(1e-4);

    const refRaw = faceapi.nets.faceLandmark68Net.runNet(netInput);
    const out = await run('face-landmarks68.onnx', ours);
    expect(out.dims).toEqual([1, 136]);
    const d = diff(out.data as Float32Array, refRaw.dataSync());
    refRaw.dispose();
    console.log(`landmarks ${key} crop ${ours.crop.width}x${ours.crop.height}: max|diff| ${d.maxAbs.toExponential(2)} (peak ${d.peak.toFixed(3)}, rel ${d.rel.toExponential(2)})`);
    track('landmarks', d.rel);
    expect(d.rel).toBeLessThanOrEqual(PEAK_REL_TOL);

    // Mapping back: face-api's detectLandmarks() gives crop-pixel positions.
    const refLm = await faceapi.nets.faceLandmark68Net.detectLandmarks(faceTensor);
    faceTensor.dispose();
    const pts = landmarksToImage(out.data as Float32Array, ours.crop);
    let maxPx = 0;
    refLm.positions.forEach((p: Any, i: number) => {
      maxPx = Math.max(maxPx, Math.abs(pts[i]!.x - ours.crop.x - p.x), Math.abs(pts[i]!.y - ours.crop.y - p.y));
    });
    expect(maxPx).toBeLessThan(1e-3);
    return { input: ours, pts, refLm };
  }

  it('landmark net: raw output matches on noise, single and batched', async () => {
    const img = noiseImage(130, 100, 5);
    const a = await checkLandmarks(img, { x: 10, y: 5, width: 90, height: 120 }, 'noise');
    const b = await checkLandmarks(img, { x: 0, y: 0, width: 130, height: 100 }, 'noise');
    const batch = await run('face-landmarks68.onnx', stackInputs([a.input, b.input]));
    expect(batch.dims).toEqual([2, 136]);
    const one = await run('face-landmarks68.onnx', b.input);
    expect(diff((batch.data as Float32Array).subarray(136), one.data as Float32Array).maxAbs).toBeLessThan(1e-5);
  });

  /** Descriptor of one crop vs face-api's computeFaceDescriptor. */
  async function checkDescriptor(img: InterleavedImage, box: FaceBox, key: string) {
    const ours = faceCropInput(img, box, 150);
    const t = tfImage(img);
    const [faceTensor] = await faceapi.extractFaceTensors(t, [new faceapi.Rect(box.x, box.y, box.width, box.height)]);
    t.dispose();
    const netInput = await faceapi.toNetInput(faceTensor);
    const refInput = tf.tidy(() => netInput.toBatchTensor(150, true));
    const pre = diff(ours.data, nhwcToNchw(refInput.dataSync(), 3, 150, 150));
    refInput.dispose();
    expect(pre.maxAbs).toBeLessThanOrEqual(1e-4);
    const ref = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(faceTensor)) as Float32Array;
    faceTensor.dispose();
    const out = await run('face-recognition.onnx', ours);
    expect(out.dims).toEqual([1, 128]);
    const d = diff(out.data as Float32Array, ref);
    console.log(`recognition ${key}: max|diff| ${d.maxAbs.toExponential(2)} (peak ${d.peak.toFixed(3)}, rel ${d.rel.toExponential(2)}), ` +
      `descriptor distance ${descriptorDistance(out.data as Float32Array, ref).toExponential(2)}`);
    track('recognition', d.rel);
    expect(d.rel).toBeLessThanOrEqual(PEAK_REL_TOL);
    return out.data as Float32Array;
  }

  it('recognition net: descriptor matches on noise', async () => {
    await checkDescriptor(noiseImage(160, 140, 9), { x: 3, y: 0, width: 150, height: 140 }, 'noise');
  });

  it.skipIf(!haveData)('landmarks + recognition on real faces, and the full detect -> landmarks -> descriptor pipeline', async () => {
    const chips = await Promise.all(utk.map(readJpegRgb));
    // Whole chip (square, 200 -> 112 / 150) and a non-square part of one.
    await checkLandmarks(chips[0]!, { x: 0, y: 0, width: 200, height: 200 }, 'utk0');
    await checkLandmarks(chips[1]!, { x: 20.6, y: 0, width: 160.2, height: 200 }, 'utk1-part');
    const d0 = await checkDescriptor(chips[0]!, { x: 0, y: 0, width: 200, height: 200 }, 'utk0');
    const d2 = await checkDescriptor(chips[2]!, { x: 0, y: 0, width: 200, height: 200 }, 'utk2');
    console.log('descriptor distance utk0 vs utk2 (different people):', descriptorDistance(d0, d2).toFixed(3));

    // Full pipeline on FFHQ with our helpers vs face-api's detectSingleFace().withFaceLandmarks().withFaceDescriptor().
    const ffhq = readPngRgb(ffhqPath);
    const t = tfImage(ffhq);
    const ref = await faceapi.detectSingleFace(t, new faceapi.TinyFaceDetectorOptions({ inputSize: 320 }))
      .withFaceLandmarks().withFaceDescriptor();
    t.dispose();
    expect(ref).toBeTruthy();
    const grid = await run('face-detector.onnx', tinyFaceDetectorInput(ffhq, 320));
    const [det] = detectTinyFaces(grid.data as Float32Array, grid.dims, { imageWidth: ffhq.width, imageHeight: ffhq.height });
    expect(det).toBeTruthy();
    const lm = await checkLandmarks(ffhq, det!.box, 'ffhq-detected');
    // face-api shifts the points by the unfloored box corner while it crops from the floored one,
    // so its image-space landmarks differ from ours by that sub-pixel offset.
    let maxPx = 0;
    ref.landmarks.positions.forEach((p: Any, i: number) => {
      maxPx = Math.max(maxPx, Math.abs(lm.pts[i]!.x - p.x), Math.abs(lm.pts[i]!.y - p.y));
    });
    expect(maxPx).toBeLessThan(1);
    // Five-point summary for similarity alignment: eyes left/right of the nose, above the mouth corners.
    const [le, re, nose, lm0, rm0] = fivePointsFrom68(lm.pts);
    expect(le![0]).toBeLessThan(nose![0]);
    expect(re![0]).toBeGreaterThan(nose![0]);
    expect(Math.max(le![1], re![1])).toBeLessThan(Math.min(lm0![1], rm0![1]));
    const aligned = alignedFaceBox(lm.pts);
    const refAligned = ref.landmarks.align(null, { useDlibAlignment: true });
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(Math.abs(aligned[k] - refAligned[k])).toBeLessThanOrEqual(1);
    const desc = await checkDescriptor(ffhq, aligned, 'ffhq-aligned');
    const e2e = descriptorDistance(desc, ref.descriptor);
    console.log(`pipeline: landmarks within ${maxPx.toFixed(3)} px of face-api, aligned box`, aligned, 'vs', toPixelBox(refAligned),
      `descriptor distance to face-api ${e2e.toExponential(2)}`);
    expect(e2e).toBeLessThan(0.05); // face-api's same-person threshold is 0.6
    console.log('max relative-to-peak |ONNX - TF.js| per net:', measured);
  });
});
