/**
 * Colorization: colour-space conversions (against culori), edge-aware chroma upsampling, tone
 * analysis, hint stamping and history, the stage with the shipped model on onnxruntime-node,
 * and the DDColor / DeOldify conventions with generated models of their signatures.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';
import { converter } from 'culori';
import { labToRgb, lightnessPlane, lightnessToGray, parseHexColor, rgbToLab } from '../../src/core/color/lab';
import { jointBilateralRows, resizeArea, upsampleChroma, type Plane } from '../../src/core/color/guided-upsample';
import { analyzeTone } from '../../src/core/color/monochrome';
import { runColorize, stampHints } from '../../src/stages/colorize/run';
import { HintHistory, extendStroke } from '../../src/stages/colorize/hints';
import { geodesicDistance, spreadHints } from '../../src/stages/colorize/spread-hints';
import { colorizeDefaults, colorizeManifests, colorizeModelFor, type ColorizeOptions } from '../../src/stages/colorize/meta';
import { validateManifest } from '../../src/core/models/manifest';
import { createSession, tiledModelFor, type OrtModule } from '../../src/core/runtime/session';
import type { StageContext } from '../../src/core/pipeline/stage';
import type { ModelManifest } from '../../src/core/models/types';
import type { RgbaImage } from '../../src/core/image/types';
import { ddcolorLikeModel, deoldifyLikeModel } from '../support/colorize-models';

const root = join(__dirname, '..', '..');
const toLab = converter('lab65');

function fill(w: number, h: number, f: (x: number, y: number) => [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([...f(x, y), 255], (y * w + x) * 4);
  return { width: w, height: h, data };
}
const grey = (img: RgbaImage): RgbaImage => {
  const L = lightnessPlane(img);
  return fill(img.width, img.height, (x, y) => { const v = Math.round(255 * lightnessToGray(L[y * img.width + x]!)); return [v, v, v]; });
};
const labAt = (img: RgbaImage, x: number, y: number) => { const o = (y * img.width + x) * 4; return rgbToLab(img.data[o]!, img.data[o + 1]!, img.data[o + 2]!); };

describe('Lab conversions', () => {
  it('match culori (CIE Lab, D65) on random colours', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % 256);
    for (let i = 0; i < 500; i++) {
      const [r, g, b] = [rnd(), rnd(), rnd()];
      const ours = rgbToLab(r, g, b);
      const ref = toLab({ mode: 'rgb', r: r / 255, g: g / 255, b: b / 255 });
      expect(Math.abs(ours[0] - ref.l)).toBeLessThan(0.05);
      expect(Math.abs(ours[1] - ref.a)).toBeLessThan(0.1);
      expect(Math.abs(ours[2] - ref.b)).toBeLessThan(0.1);
    }
  });

  it('round-trip every 8-bit colour on a grid within one level', () => {
    for (let r = 0; r < 256; r += 15) for (let g = 0; g < 256; g += 15) for (let b = 0; b < 256; b += 15) {
      const back = labToRgb(...rgbToLab(r, g, b));
      expect(Math.max(Math.abs(back[0] - r), Math.abs(back[1] - g), Math.abs(back[2] - b))).toBeLessThanOrEqual(1);
    }
  });

  it('keep greys neutral, clip out-of-gamut colours, and rebuild grey from L', () => {
    for (const v of [0, 37, 128, 255]) {
      const [L, a, b] = rgbToLab(v, v, v);
      expect(Math.abs(a) + Math.abs(b)).toBeLessThan(0.01);
      expect(Math.abs(255 * lightnessToGray(L) - v)).toBeLessThan(0.5);
    }
    const wild = labToRgb(50, 200, -200);
    for (const c of wild) expect(c >= 0 && c <= 255).toBe(true);
    expect(parseHexColor('#3a6fd8')).toEqual([58, 111, 216]);
    expect(() => parseHexColor('blue')).toThrow(/#rrggbb/);
  });
});

describe('edge-aware chroma upsampling', () => {
  // A sharp vertical edge between a dark half and a bright half; the chroma is known only at 1/8.
  const W = 128, H = 32, edge = 61; // not on a low-res block boundary
  const L: Plane = { width: W, height: H, data: new Float32Array(W * H).map((_, i) => (i % W < edge ? 30 : 80)) };
  const trueA = (x: number) => (x < edge ? 40 : -40);
  const w = W / 8, h = H / 8;
  const low = resizeArea(L, w, h);
  const abLow = new Float32Array(2 * w * h);
  const aFull = new Float32Array(W * H).map((_, i) => trueA(i % W));
  abLow.set(resizeArea({ width: W, height: H, data: aFull }, w, h).data, 0);

  it('keeps each side of an edge its own colour, where plain interpolation bleeds', () => {
    const ours = new Float32Array(W);
    upsampleChroma(abLow, low, L, (y, a) => { if (y === 16) ours.set(a); });
    const flat: Plane = { width: W, height: H, data: new Float32Array(W * H).fill(50) };
    const plain = new Float32Array(W);
    jointBilateralRows(abLow, { ...low, data: new Float32Array(w * h).fill(50) }, flat, (y, a) => { if (y === 16) plain.set(a); });
    let errOurs = 0, errPlain = 0;
    for (let x = edge - 8; x < edge + 8; x++) { errOurs += Math.abs(ours[x]! - trueA(x)); errPlain += Math.abs(plain[x]! - trueA(x)); }
    expect(errOurs / 16).toBeLessThan(8);
    expect(errPlain / 16).toBeGreaterThan(3 * (errOurs / 16));
    expect(ours[edge - 1]!).toBeGreaterThan(25);
    expect(ours[edge]!).toBeLessThan(-25);
  });

  it('goes up large factors in steps and gives every output row once', () => {
    const big: Plane = { width: 1000, height: 700, data: new Float32Array(700_000).fill(50) };
    const small = resizeArea(big, 10, 7);
    const rows: number[] = [];
    let min = Infinity, max = -Infinity;
    upsampleChroma(new Float32Array(140).fill(12), small, big, (y, a, b) => {
      rows.push(y);
      for (let x = 0; x < 1000; x++) { min = Math.min(min, a[x]!, b[x]!); max = Math.max(max, a[x]!, b[x]!); }
    });
    expect(rows).toEqual(Array.from({ length: 700 }, (_, i) => i));
    expect(min).toBeCloseTo(12, 4);
    expect(max).toBeCloseTo(12, 4);
  });
});

describe('tone analysis', () => {
  const scene = (x: number, y: number): [number, number, number] => [(x * 5) % 256, (y * 7) % 256, ((x + y) * 3) % 256];
  it('finds grey and sepia-toned photos monochrome, colour photos not', () => {
    const colour = fill(120, 80, scene);
    expect(analyzeTone(colour).monochrome).toBe(false);
    expect(analyzeTone(grey(colour)).monochrome).toBe(true);
    // sepia: the tone's chroma follows lightness (paper white highlights, brown shadows)
    const g8 = grey(colour).data;
    const sepia = fill(120, 80, (x, y) => { const g = g8[(y * 120 + x) * 4]! / 255; return [Math.round(255 * g), Math.round(225 * g ** 1.1), Math.round(180 * g ** 1.3)]; });
    const t = analyzeTone(sepia);
    expect(t.monochrome).toBe(true);
    expect(t.meanB).toBeGreaterThan(8);
    // grey photos with strongly coloured areas are not monochrome
    expect(analyzeTone(fill(120, 80, (x, y) => (x < 40 ? [200, 30, 30] : [y, y, y]))).monochrome).toBe(false);
    expect(analyzeTone(fill(120, 80, (x, y) => (x < 30 ? [150, 110, 90] : x > 90 ? [90, 110, 150] : [y, y, y]))).monochrome).toBe(false);
  });
});

describe('hints', () => {
  it('are stamped as squares of the hint colour at the right place, with the mask', () => {
    const { ab, mask } = stampHints([{ color: '#3a6fd8', points: [[0.5, 0.25]] }], 40, 20);
    const [, a, b] = rgbToLab(58, 111, 216);
    const n = 800;
    const on = [...mask.keys()].filter((i) => mask[i] === 1);
    expect(on.length).toBe(9);
    for (const i of on) {
      expect(Math.abs((i % 40) - 20)).toBeLessThanOrEqual(1);
      expect(Math.abs(Math.floor(i / 40) - 5)).toBeLessThanOrEqual(1);
      expect(ab[i]).toBeCloseTo(a, 4);
      expect(ab[n + i]).toBeCloseTo(b, 4);
    }
    // points at the border stay inside; a NaN point is ignored
    const edge = stampHints([{ color: '#ff0000', points: [[1, 1], [NaN, 0.5]] }], 10, 10);
    expect(edge.mask[99]).toBe(1);
    expect(edge.mask.reduce((s, v) => s + v, 0)).toBe(4);
  });

  it('spread over the region of similar lightness they were placed in, and stop at edges', () => {
    // left region dark, right region bright, with mild texture; network colour: neutral
    const w = 40, h = 20;
    const L: Plane = { width: w, height: h, data: new Float32Array(w * h).map((_, i) => (i % w < 25 ? 30 : 75) + ((i * 7) % 3)) };
    const d = geodesicDistance(L, [5 * w + 2]);
    expect(d[5 * w + 20]!).toBeCloseTo(18, 0); // flat: plain distance
    expect(d[5 * w + 30]!).toBeGreaterThan(60); // across the edge: far
    const chroma = { width: w, height: h, ab: new Float32Array(2 * w * h) };
    spreadHints(chroma, L, [{ color: '#2050e0', points: [[0.05, 0.25]] }], { reach: 0.5 });
    const [, ha, hb] = rgbToLab(0x20, 0x50, 0xe0);
    const at = (x: number, y: number) => [chroma.ab[y * w + x]!, chroma.ab[w * h + y * w + x]!];
    expect(at(2, 5)[0]).toBeCloseTo(ha, 3);
    expect(at(2, 5)[1]).toBeCloseTo(hb, 3);
    expect(at(20, 15)[1]).toBeLessThan(hb / 2); // far corner of the same region: mostly the hint
    expect(Math.abs(at(35, 5)[1]!)).toBeLessThan(1); // the bright region keeps the network's colour
    // no hints: untouched
    const before = new Float32Array(chroma.ab);
    spreadHints(chroma, L, []);
    expect(chroma.ab).toEqual(before);
  });

  it('history adds, removes, clears and undoes exactly', () => {
    const hist = new HintHistory();
    const stroke: [number, number][] = [];
    expect(extendStroke(stroke, [0.1, 0.1])).toBe(true);
    expect(extendStroke(stroke, [0.101, 0.1])).toBe(false); // too close to the last point
    expect(extendStroke(stroke, [0.2, 1.3])).toBe(true);
    expect(stroke).toEqual([[0.1, 0.1], [0.2, 1]]);
    hist.add({ color: '#ff0000', points: stroke });
    hist.add({ color: '#00ff00', points: [[0.5, 0.5]] });
    hist.add({ color: '#0000ff', points: [] }); // an empty stroke adds nothing
    expect(hist.hints.map((h) => h.color)).toEqual(['#ff0000', '#00ff00']);
    hist.remove(0);
    expect(hist.hints.map((h) => h.color)).toEqual(['#00ff00']);
    hist.clear();
    expect(hist.hints).toEqual([]);
    hist.undo();
    expect(hist.hints.map((h) => h.color)).toEqual(['#00ff00']);
    expect(hist.undo().map((h) => h.color)).toEqual(['#ff0000', '#00ff00']);
    expect(hist.undo().map((h) => h.color)).toEqual(['#ff0000']);
    expect(hist.undo()).toEqual([]);
    expect(hist.canUndo).toBe(false);
  });
});

/** A stage context that opens models with onnxruntime-node, from bytes or the shipped files. */
function nodeContext(files: Record<string, Buffer> = {}): StageContext {
  return {
    progress: () => undefined,
    loadModel: async (m: ModelManifest) => {
      const bytes = files[m.id] ?? readFileSync(join(root, 'public/models/colorize', m.file));
      const session = await createSession(ort as unknown as OrtModule, bytes, 'cpu');
      return tiledModelFor(ort as unknown as OrtModule, session, m, 'cpu');
    },
  };
}

function readFixture(path: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: new Uint8ClampedArray(png.data) };
}

const kodak = join(root, '..', 'shared', 'data', 'eval', 'kodak24', 'kodim05.png');

describe('colorize stage', () => {
  it('ships its model: manifest valid, file matches sha256 and size', () => {
    expect(colorizeManifests.map((m) => m.precision).sort()).toEqual(['fp16', 'fp32']);
    for (const m of colorizeManifests) {
      expect(validateManifest(m)).toEqual(m);
      const buf = readFileSync(join(root, 'public/models/colorize', m.file));
      expect(buf.length).toBe(m.size);
      expect(createHash('sha256').update(buf).digest('hex')).toBe(m.sha256);
    }
    expect(colorizeModelFor(colorizeDefaults).precision).toBe('fp16'); // half the download, upcast when opened
  });

  it.skipIf(!existsSync(kodak))('colours a grey photo with the shipped model, keeping its lightness, and follows a hint', async () => {
    const clean = readFixture(kodak);
    const img = grey(clean);
    const options: ColorizeOptions = { ...colorizeDefaults, hints: [] };
    const out = await runColorize(img, options, nodeContext());
    expect([out.width, out.height]).toEqual([img.width, img.height]);
    const Lin = lightnessPlane(img), Lout = lightnessPlane(out);
    let dL = 0, chroma = 0;
    for (let i = 0; i < Lin.length; i++) dL = Math.max(dL, Math.abs(Lin[i]! - Lout[i]!));
    for (let y = 0; y < out.height; y += 8) for (let x = 0; x < out.width; x += 8) { const [, a, b] = labAt(out, x, y); chroma += Math.hypot(a, b); }
    expect(dL).toBeLessThan(3); // clipping of out-of-gamut colours moves L a little at most
    expect(chroma / ((out.height / 8) * (out.width / 8))).toBeGreaterThan(2); // not grey any more

    // A blue hint: the hinted spot turns towards blue (negative b), compared with no hint.
    const spot: [number, number] = [0.3, 0.3];
    const hinted = await runColorize(img, { ...options, hints: [{ color: '#2050e0', points: [spot] }] }, nodeContext());
    const sx = Math.floor(spot[0] * img.width), sy = Math.floor(spot[1] * img.height);
    expect(labAt(hinted, sx, sy)[2]).toBeLessThan(labAt(out, sx, sy)[2] - 5);
    // strength 0 leaves the photo as it is
    expect((await runColorize(img, { ...options, strength: 0 }, nodeContext())).data).toEqual(img.data);
  }, 60_000);
});

describe('bring your own colorization model', () => {
  const img = fill(90, 60, (x) => { const v = x < 45 ? 40 : 220; return [v, v, v]; });
  const custom = (convention: 'ddcolor' | 'deoldify', bytes: Buffer, size: number): ModelManifest => validateManifest({
    id: `user-${convention}`, label: convention, task: 'colorize', file: 'x.onnx', sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length,
    input: { name: 'input', layout: 'NCHW', channels: 3, range: convention === 'ddcolor' ? [0, 1] : [0, 255] },
    output: { name: 'output', layout: 'NCHW', channels: convention === 'ddcolor' ? 2 : 3, range: convention === 'ddcolor' ? [-128, 128] : [0, 255] },
    scale: 1, tile: { size, overlap: 0 }, precision: 'fp32', source: { description: 'test' }, license: 'test', convention,
  });

  it('DDColor convention: grey RGB in [0,1] in, a/b in Lab units out', async () => {
    const bytes = ddcolorLikeModel(64);
    const m = custom('ddcolor', bytes, 64);
    const out = await runColorize(img, { ...colorizeDefaults, model: `custom:${m.id}`, manifest: m }, nodeContext({ [m.id]: bytes }));
    // a = 80 * grey - 40: dark half (grey 0.16) green, bright half (0.86) red
    const dark = labAt(out, 10, 30), bright = labAt(out, 80, 30);
    expect(dark[1]).toBeLessThan(-15);
    expect(bright[1]).toBeGreaterThan(15);
    expect(Math.abs(dark[0] - labAt(img, 10, 30)[0])).toBeLessThan(2);
  });

  it('DeOldify convention: grey 0..255 in, RGB 0..255 out, only its chroma kept', async () => {
    const bytes = deoldifyLikeModel();
    const m = custom('deoldify', bytes, 32);
    const out = await runColorize(img, { ...colorizeDefaults, model: `custom:${m.id}`, manifest: m }, nodeContext({ [m.id]: bytes }));
    const [L, a, b] = labAt(out, 80, 30);
    expect(b).toBeGreaterThan(10); // warm
    expect(a).toBeGreaterThan(0);
    expect(Math.abs(L - labAt(img, 80, 30)[0])).toBeLessThan(2); // the photo's lightness, not the model's
  });
});

describe('recipes from outside (embed, CLI)', async () => {
  const { validateRecipe } = await import('../../src/embed/host');
  const { parseRecipe, formatRecipe } = await import('../../cli/recipe');
  it('the embed takes colorize with a strength only', () => {
    const valid = (r: unknown) => validateRecipe(r) as import('../../src/stages').Recipe;
    expect(valid({ colorize: { strength: 0.5 } }).colorize).toEqual({ ...colorizeDefaults, strength: 0.5, hints: [], force: false });
    expect(valid({ colorize: { strength: 0.5, force: true } }).colorize?.force).toBe(true);
    expect(valid({ colorize: {} }).colorize?.strength).toBe(colorizeDefaults.strength);
    expect(() => validateRecipe({ colorize: { hints: [{ color: '#fff', points: [[0, 0]] }] } })).toThrow(/only \{ strength, force \}/);
    expect(() => validateRecipe({ colorize: { strength: 2 } })).toThrow(/from 0 to 1/);
  });
  it('the pipeline colours after repair, denoise and fade, and before upscaling', async () => {
    const { stageOrder } = await import('../../src/stages');
    expect(stageOrder.map((s) => s.key)).toEqual(['repair', 'denoise', 'fade', 'face', 'colorize', 'upscale']);
  });
  it('the CLI parses colorize[:STRENGTH] and keeps the stage order', () => {
    const r = parseRecipe('upscale:2,colorize:0.6,fade') as import('../../src/stages').Recipe;
    expect(r.colorize?.strength).toBe(0.6);
    expect(formatRecipe(r)).toBe('fade:0.8,colorize:0.6,upscale:2:clean');
    expect(() => parseRecipe('colorize:1.5')).toThrow(/from 0 to 1/);
  });
});
