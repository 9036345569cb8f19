/**
 * The face stage on onnxruntime-node: detection and the five alignment points on real faces, the
 * built-in model's template against the UTKFace framing it was trained on, and restoration with
 * stand-in models of the GFPGAN / CodeFormer / GPEN signatures (each returns the colour negative,
 * so the test sees exactly which pixels were restored, and with which range mapping).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import { detectionWindows, eyeDistance, findFaces, runFace } from '../../src/stages/face/run';
import { faceDefaults, faceManifests, faceMeta, smallFaceStrength, type FaceOptions } from '../../src/stages/face/meta';
import { UTK_TEMPLATE } from '../../src/stages/face/conventions';
import { FFHQ_TEMPLATE_512 } from '../../src/core/faces/align';
import { validateManifest } from '../../src/core/models/manifest';
import { modelFolder } from '../../src/core/models/manifest';
import { createSession, tiledModelFor, type OrtModule } from '../../src/core/runtime/session';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { ModelManifest } from '../../src/core/models/types';
import type { RgbaImage } from '../../src/core/image/types';
import { codeformerLikeModel, halfPrecisionFaceModel, negatingFaceModel, tintingFaceModel } from '../support/face-models';
import { rgbToLab } from '../../src/core/color/lab';
import { changedOutsideFaces, degradeCard, facePsnr, twoFaceCard } from '../support/face-card';

const root = join(__dirname, '..', '..');
const data = join(root, '..', 'shared', 'data');
const haveData = existsSync(join(data, 'eval', 'ffhq-10'));

function ctx(files: Record<string, Buffer> = {}): StageContext {
  return {
    progress: () => undefined,
    loadModel: async (m: ModelManifest) => {
      const bytes = files[m.id] ?? readFileSync(join(root, 'public/models', modelFolder(m.task), m.file));
      return tiledModelFor(ort as unknown as OrtModule, await createSession(ort as unknown as OrtModule, bytes, 'cpu'), m, 'cpu');
    },
  };
}

async function read(path: string, size?: number): Promise<RgbaImage> {
  const img = sharp(path).removeAlpha().ensureAlpha();
  const { data: px, info } = await (size ? img.resize(size, size) : img).raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(px) };
}

/** Two UTKFace faces side by side on a grey card, at known places. */
async function twoFaces(): Promise<{ image: RgbaImage; boxes: { x: number; y: number; size: number }[] }> {
  const files = readdirSync(join(data, 'faces', 'utkface')).sort().slice(200, 202);
  const W = 640, H = 320, size = 200;
  const image: RgbaImage = { width: W, height: H, data: new Uint8ClampedArray(W * H * 4).fill(128) };
  const boxes = [{ x: 60, y: 60, size }, { x: 380, y: 60, size }];
  for (const [i, f] of files.entries()) {
    const face = await read(join(data, 'faces', 'utkface', f), size);
    const { x, y } = boxes[i]!;
    for (let r = 0; r < size; r++) image.data.set(face.data.subarray(r * size * 4, (r + 1) * size * 4), ((y + r) * W + x) * 4);
  }
  return { image, boxes };
}

const custom = (id: string, convention: 'gfpgan' | 'codeformer' | 'gpen', bytes: Buffer, size: number): ModelManifest => validateManifest({
  id, label: id, task: 'face', file: `${id}.onnx`, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length,
  input: { name: 'input', layout: 'NCHW', channels: 3, range: [-1, 1] }, output: { name: 'output', layout: 'NCHW', channels: 3, range: [-1, 1] },
  scale: 1, tile: { size, overlap: 0 }, precision: 'fp32', source: { description: 'test' }, license: 'test', convention,
});

describe('face stage', () => {
  it('ships the detector, landmark and restoration nets: manifests valid, files match', () => {
    expect(faceManifests.map((m) => m.task).sort()).toEqual(['face', 'face', 'face-detect', 'face-landmarks']);
    for (const m of faceManifests) {
      expect(validateManifest(m)).toEqual(m);
      const buf = readFileSync(join(root, 'public/models/face', m.file));
      expect(buf.length).toBe(m.size);
      expect(createHash('sha256').update(buf).digest('hex')).toBe(m.sha256);
    }
  });

  it.skipIf(!haveData)('finds an FFHQ face and its five points where the FFHQ template puts them', async () => {
    const img = await read(join(data, 'eval', 'ffhq-10', '00002.png'), 512);
    const faces = await findFaces(img, ctx());
    expect(faces.length).toBe(1);
    faces[0]!.five.forEach(([x, y], i) => {
      expect(Math.abs(x - FFHQ_TEMPLATE_512[i]![0])).toBeLessThan(0.05 * 512);
      expect(Math.abs(y - FFHQ_TEMPLATE_512[i]![1])).toBeLessThan(0.05 * 512);
    });
  });

  it.skipIf(!haveData)('the built-in template is the UTKFace framing (mean five points over 40 training faces)', async () => {
    const files = readdirSync(join(data, 'faces', 'utkface')).sort().slice(0, 40);
    const sum = UTK_TEMPLATE.map(() => [0, 0]);
    let n = 0;
    for (const f of files) {
      const img = await read(join(data, 'faces', 'utkface', f));
      const faces = await findFaces(img, ctx());
      if (faces.length !== 1) continue;
      faces[0]!.five.forEach(([x, y], i) => { sum[i]![0] += x / img.width; sum[i]![1] += y / img.height; });
      n++;
    }
    expect(n).toBeGreaterThan(30);
    const measured = sum.map(([x, y]) => [x / n, y / n]);
    console.log('UTKFace mean five points:', JSON.stringify(measured.map((p) => p.map((v) => +v.toFixed(3)))));
    measured.forEach(([x, y], i) => {
      expect(Math.abs(x! - UTK_TEMPLATE[i]![0])).toBeLessThan(0.02);
      expect(Math.abs(y! - UTK_TEMPLATE[i]![1])).toBeLessThan(0.02);
    });
  }, 60_000);

  it.skipIf(!haveData)('the built-in model brings two degraded held-out faces closer to the clean ones and leaves the rest alone', async () => {
    const { clean, boxes } = await twoFaceCard();
    const bad = await degradeCard(clean);
    const image: RgbaImage = { width: bad.width, height: bad.height, data: new Uint8ClampedArray(bad.data) };
    const out = await runFace(image, { ...faceDefaults, fidelity: 1 }, ctx());
    expect(out.data).not.toBe(image.data);
    expect(image.data).toEqual(new Uint8ClampedArray(bad.data)); // the input is not altered
    for (const b of boxes) {
      const before = facePsnr(bad, clean, b), after = facePsnr(out, clean, b);
      console.log(`face at ${b.x},${b.y}: PSNR ${before.toFixed(2)} dB degraded -> ${after.toFixed(2)} dB restored`);
      expect(after).toBeGreaterThan(before + 0.5);
    }
    expect(changedOutsideFaces(out, bad, boxes, 130)).toBe(0);
    // fidelity 0 keeps the photo; in between lies between
    expect((await runFace(image, { ...faceDefaults, fidelity: 0 }, ctx())).data).toEqual(image.data);
    const half = await runFace(image, { ...faceDefaults, fidelity: 0.5 }, ctx());
    const mid = facePsnr(half, clean, boxes[0]!);
    expect(mid).toBeGreaterThan(facePsnr(bad, clean, boxes[0]!));
    expect(mid).toBeLessThan(facePsnr(out, clean, boxes[0]!));
  }, 90_000);

  it.skipIf(!haveData)('a real portrait (Kodak 04, a face larger than the square) comes out closer to the clean photo', async () => {
    const { data: px, info } = await sharp(join(data, 'eval', 'kodak24', 'kodim04.png')).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const clean: RgbaImage = { width: info.width, height: info.height, data: new Uint8ClampedArray(px) };
    const bad = await degradeCard(clean);
    const out = await runFace({ ...bad, data: new Uint8ClampedArray(bad.data) }, { ...faceDefaults, fidelity: 1 }, ctx());
    const box = { x: 150, y: 150, size: 225 }; // eyes, nose and mouth
    const before = facePsnr(bad, clean, box), after = facePsnr(out, clean, box);
    console.log(`kodim04 face: PSNR ${before.toFixed(2)} dB degraded -> ${after.toFixed(2)} dB restored`);
    expect(after).toBeGreaterThan(before + 0.3);
  }, 60_000);

  it.skipIf(!haveData)('a rotated face is found with its tilt, and restored', async () => {
    const { clean, boxes } = await twoFaceCard();
    const b = boxes[0]!;
    const face = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } })
      .extract({ left: b.x - 60, top: b.y - 60, width: b.size + 120, height: b.size + 120 })
      .rotate(25, { background: { r: 120, g: 120, b: 120, alpha: 1 } }).raw().toBuffer({ resolveWithObject: true });
    const image: RgbaImage = { width: face.info.width, height: face.info.height, data: new Uint8ClampedArray(face.data) };
    const found = await findFaces(image, ctx());
    expect(found.length).toBe(1);
    const [l, r] = found[0]!.five;
    const tilt = (Math.atan2(r![1] - l![1], r![0] - l![0]) * 180) / Math.PI;
    expect(Math.abs(tilt - 25)).toBeLessThan(6);
    const bad = await degradeCard(image);
    const out = await runFace({ ...bad, data: new Uint8ClampedArray(bad.data) }, { ...faceDefaults, fidelity: 1 }, ctx());
    const c = image.width / 2, box = { x: c - 100, y: c - 100, size: 200 };
    expect(facePsnr(out, image, box)).toBeGreaterThan(facePsnr(bad, image, box) + 0.5);
  }, 60_000);

  it.skipIf(!haveData)('a face cut by the photo border is restored inside the photo; a small face (eyes 4-10 px apart) is restored, gently', async () => {
    const { clean, boxes } = await twoFaceCard();
    // keep the card right of the first face's cheek: its left edge is cut off
    const cutX = boxes[0]!.x + 30;
    const w = clean.width - cutX;
    const part = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } })
      .extract({ left: cutX, top: 0, width: w, height: clean.height }).raw().toBuffer();
    const bad = await degradeCard({ width: w, height: clean.height, data: part });
    const image: RgbaImage = { width: w, height: clean.height, data: new Uint8ClampedArray(bad.data) };
    const out = await runFace(image, { ...faceDefaults, fidelity: 1 }, ctx());
    expect(out.width).toBe(w);
    const cutBox = { x: 0, y: boxes[0]!.y, size: 120 };
    let changed = 0;
    for (let y = cutBox.y + 40; y < cutBox.y + 160; y++) for (let x = 0; x < 60; x++) if (out.data[(y * w + x) * 4] !== image.data[(y * w + x) * 4]) changed++;
    expect(changed).toBeGreaterThan(1000); // the cut face was enhanced up to the border
    for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== 255) throw new Error('alpha changed');

    // the same card shrunk 10x, as faces are in an old group photo: eyes under 10 px apart. They are
    // restored (they used to be skipped), at a reduced strength
    const tiny = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } }).resize(120, 60).raw().toBuffer();
    const small: RgbaImage = { width: 120, height: 60, data: new Uint8ClampedArray(tiny) };
    const seen = await findFaces(small, ctx());
    expect(seen.length).toBeGreaterThan(0);
    for (const f of seen) {
      const eyes = Math.hypot(f.five[1]![0] - f.five[0]![0], f.five[1]![1] - f.five[0]![1]);
      expect(eyes).toBeGreaterThanOrEqual(faceMeta.minEyeDistance);
      expect(eyes).toBeLessThan(faceMeta.fullStrengthEyeDistance);
    }
    const gentle = await runFace({ ...small, data: new Uint8ClampedArray(small.data) }, { ...faceDefaults, fidelity: 1 }, ctx());
    const change = (img: RgbaImage) => img.data.reduce((s, v, i) => s + (i % 4 === 3 ? 0 : Math.abs(v - small.data[i]!)), 0);
    expect(change(gentle)).toBeGreaterThan(0);
    // with the size ramp off (full strength from minEyeDistance) the same faces change more
    const ramp = faceMeta.fullStrengthEyeDistance;
    faceMeta.fullStrengthEyeDistance = faceMeta.minEyeDistance;
    try {
      const full = await runFace({ ...small, data: new Uint8ClampedArray(small.data) }, { ...faceDefaults, fidelity: 1 }, ctx());
      expect(change(full)).toBeGreaterThan(change(gentle) * 1.2);
    } finally {
      faceMeta.fullStrengthEyeDistance = ramp;
    }
  }, 60_000);

  it('small faces get a share of the fidelity that grows with their size; under minEyeDistance none', () => {
    const { minEyeDistance: lo, fullStrengthEyeDistance: hi, smallFaceMinStrength: s0 } = faceMeta;
    expect(lo).toBeLessThanOrEqual(4); // faces with eyes 4 px apart are restored (issue 17)
    expect(smallFaceStrength(lo - 0.5)).toBe(0);
    expect(smallFaceStrength(lo)).toBeCloseTo(s0, 6);
    expect(smallFaceStrength(hi)).toBe(1);
    expect(smallFaceStrength(hi * 3)).toBe(1);
    const ramp = [lo, (lo + hi) / 2, hi - 0.1].map(smallFaceStrength);
    expect(ramp[0]!).toBeLessThan(ramp[1]!);
    expect(ramp[1]!).toBeLessThan(ramp[2]!);
    expect(ramp[2]!).toBeLessThan(1);
  });

  it.skipIf(!haveData)('restores every face and nothing else, through a GFPGAN-style model; fidelity blends, 0 keeps the photo', async () => {
    const { image, boxes } = await twoFaces();
    const bytes = negatingFaceModel(512);
    const m = custom('user-gfpgan', 'gfpgan', bytes, 512);
    const options: FaceOptions = { ...faceDefaults, fidelity: 1, model: `custom:${m.id}`, manifest: m };
    const out = await runFace(image, options, ctx({ [m.id]: bytes }));
    const px = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    for (const b of boxes) {
      // the face centre is the negative of the original, up to the colour match of the crop's mean
      const cx = b.x + b.size / 2, cy = b.y + Math.round(b.size * 0.55);
      const o = px(image, cx, cy), r = px(out, cx, cy);
      expect(r.some((v, c) => Math.abs(v - o[c]!) > 20)).toBe(true);
    }
    // far from the faces: untouched
    for (const [x, y] of [[5, 5], [320, 10], [635, 315], [320, 300]]) expect(px(out, x!, y!)).toEqual(px(image, x!, y!));
    expect((await runFace(image, { ...options, fidelity: 0 }, ctx({ [m.id]: bytes }))).data).toEqual(image.data);
    // the same restorer converted to half precision (float16 input and output) loads as it is and gives the same photo
    const half = halfPrecisionFaceModel();
    const mh = custom('user-gfpgan-fp16', 'gfpgan', half, 512);
    expect((await runFace(image, { ...options, model: `custom:${mh.id}`, manifest: mh }, ctx({ [mh.id]: half }))).data).toEqual(out.data);
  }, 60_000);

  it.skipIf(!haveData)('a black-and-white or sepia photo keeps its tone: a restorer that tints faces changes only their lightness', async () => {
    const { image: colour } = await twoFaces();
    const bytes = tintingFaceModel(512);
    const m = custom('user-tint', 'gfpgan', bytes, 512);
    const options: FaceOptions = { ...faceDefaults, fidelity: 1, model: `custom:${m.id}`, manifest: m };
    const toned = (k: [number, number, number]): RgbaImage => {
      const d = new Uint8ClampedArray(colour.data);
      for (let i = 0; i < d.length; i += 4) {
        const y = 0.299 * d[i]! + 0.587 * d[i + 1]! + 0.114 * d[i + 2]!;
        d[i] = k[0] * y; d[i + 1] = k[1] * y; d[i + 2] = k[2] * y;
      }
      return { ...colour, data: d };
    };
    const lab = (img: RgbaImage, i: number) => rgbToLab(img.data[i]!, img.data[i + 1]!, img.data[i + 2]!);
    // on the colour photo the stand-in does tint the faces: the photo's colour moves
    const tinted = await runFace(colour, options, ctx({ [m.id]: bytes }));
    let moved = 0;
    for (let i = 0; i < colour.data.length; i += 4) {
      const [, a, b] = lab(tinted, i), [, a0, b0] = lab(colour, i);
      if (Math.hypot(a - a0, b - b0) > 10) moved++;
    }
    expect(moved).toBeGreaterThan(5000);
    for (const [name, k] of [['grey', [1, 1, 1]], ['sepia', [1.07, 0.89, 0.7]]] as const) {
      const photo = toned([...k]);
      const out = await runFace(photo, options, ctx({ [m.id]: bytes }));
      let relit = 0, worst = 0;
      for (let i = 0; i < photo.data.length; i += 4) {
        const [L, a, b] = lab(out, i), [L0, a0, b0] = lab(photo, i);
        if (Math.abs(L - L0) > 10) relit++;
        worst = Math.max(worst, Math.hypot(a - a0, b - b0));
      }
      console.log(`${name}: ${relit} face pixels relit, largest colour change ${worst.toFixed(2)} Lab units`);
      expect(relit).toBeGreaterThan(5000); // the faces were restored (the stand-in negates them)...
      expect(worst).toBeLessThan(3); // ...and gained no colour
      if (name === 'grey') for (let i = 0; i < out.data.length; i += 4) expect(Math.abs(out.data[i]! - out.data[i + 2]!)).toBeLessThanOrEqual(1);
    }
  }, 90_000);

  it.skipIf(!haveData)('CodeFormer gets its weight input (w = 1 - fidelity), GPEN-256 its own size', async () => {
    const { image, boxes } = await twoFaces();
    const cf = codeformerLikeModel();
    const mcf = custom('user-codeformer', 'codeformer', cf, 512);
    const gp = negatingFaceModel(256);
    const mgp = custom('user-gpen', 'gpen', gp, 256);
    const files = { [mcf.id]: cf, [mgp.id]: gp };
    const cx = boxes[0]!.x + 100, cy = boxes[0]!.y + 110, o = (cy * image.width + cx) * 4;
    // fidelity 1 -> w = 0 -> the stand-in returns the negative: the face changes
    const full = await runFace(image, { fidelity: 1, model: `custom:${mcf.id}`, manifest: mcf }, ctx(files));
    expect(Math.abs(full.data[o]! - image.data[o]!)).toBeGreaterThan(10);
    const gpen = await runFace(image, { fidelity: 1, model: `custom:${mgp.id}`, manifest: mgp }, ctx(files));
    expect(Math.abs(gpen.data[o]! - image.data[o]!)).toBeGreaterThan(10);
  }, 60_000);
});

// Small faces in a big photo: the whole-photo pass shrinks it to 416 px, so the faces of a group
// photo fall under the detector's smallest anchor; the enlarged windows (detectionWindows) find them.
describe('detectionWindows', () => {
  it('covers the photo with overlapping windows, as close as the window budget allows', () => {
    const [W, H] = [1280, 720];
    const wins = detectionWindows(W, H, 416, 16, 2);
    expect(wins.length).toBeGreaterThan(1);
    expect(wins.length).toBeLessThanOrEqual(16);
    const c = wins[0]!.width;
    expect(c).toBeGreaterThanOrEqual(208); // at most a 2x enlargement
    expect(416 / c).toBeGreaterThan((1.5 * 416) / W); // closer than the whole-photo pass
    // every pixel is inside a window, and neighbours overlap by at least a fifth of a window
    for (let y = 0; y < H; y += 7) for (let x = 0; x < W; x += 7) expect(wins.some((w) => x >= w.x && x < w.x + w.width && y >= w.y && y < w.y + w.height)).toBe(true);
    const xs = [...new Set(wins.map((w) => w.x))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + c - xs[i]!).toBeGreaterThanOrEqual(c / 5);
    for (const w of wins) {
      expect(w.x + w.width).toBeLessThanOrEqual(W);
      expect(w.y + w.height).toBeLessThanOrEqual(H);
    }
  });

  it('none where a window would see the photo no closer than the whole-photo pass, or with no budget', () => {
    expect(detectionWindows(250, 200, 416, 16, 2)).toHaveLength(0); // the whole-photo pass already enlarges it 1.7x
    expect(detectionWindows(6000, 4000, 416, 16, 2).length).toBeLessThanOrEqual(16);
    expect(detectionWindows(1280, 720, 416, 0, 2)).toHaveLength(0);
  });
});

describe('findFaces on a group photo', () => {
  it.skipIf(!haveData)('finds faces too small for the whole-photo pass in the enlarged windows, where they are', async () => {
    // three copies of a two-face card shrunk to 0.3: six faces 60 px wide on a 1280x720 photo
    const { clean, boxes } = await twoFaceCard();
    const k = 0.3, cw = Math.round(clean.width * k), ch = Math.round(clean.height * k);
    const card = await sharp(Buffer.from(clean.data), { raw: { width: clean.width, height: clean.height, channels: 4 } }).resize(cw, ch).raw().toBuffer();
    const W = 1280, H = 720;
    const image: RgbaImage = { width: W, height: H, data: new Uint8ClampedArray(W * H * 4).fill(120) };
    const places = [{ x: 40, y: 60 }, { x: 460, y: 400 }, { x: 880, y: 120 }];
    for (const p of places) for (let r = 0; r < ch; r++) image.data.set(card.subarray(r * cw * 4, (r + 1) * cw * 4), ((p.y + r) * W + p.x) * 4);
    const truth = places.flatMap((p) => boxes.map((b) => ({ x: p.x + b.x * k, y: p.y + b.y * k, size: b.size * k })));

    const windows = faceMeta.detectorWindows;
    faceMeta.detectorWindows = 0;
    let whole;
    try {
      whole = await findFaces(image, ctx());
    } finally {
      faceMeta.detectorWindows = windows;
    }
    const found = await findFaces(image, ctx());
    const hits = (faces: typeof found) => truth.filter((t) => faces.some((f) => {
      const [cx, cy] = [(f.five[0]![0] + f.five[1]![0]) / 2, (f.five[0]![1] + f.five[1]![1]) / 2];
      return cx > t.x && cx < t.x + t.size && cy > t.y && cy < t.y + t.size;
    })).length;
    console.log(`group photo: ${hits(whole)} of 6 faces without the windows, ${hits(found)} with them (${found.length} found)`);
    expect(hits(whole)).toBeLessThan(3);
    expect(hits(found)).toBeGreaterThanOrEqual(5);
    expect(found.length).toBe(hits(found)); // nothing found on the grey
    for (const f of found.filter((x) => x.inWindow)) expect(eyeDistance(f)).toBeGreaterThan(0.2 * f.box.width);
  }, 60_000);
});
