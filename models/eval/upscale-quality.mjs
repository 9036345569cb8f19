#!/usr/bin/env node
/**
 * Upscale quality on Kodak24: box-downscale each 500x500 PNG by s, upscale back with
 * (a) bicubic and (b) the converted ONNX model (fp16 file, onnxruntime-node, whole image),
 * and report mean PSNR (RGB, 0..255, outputs clamped and rounded to 8 bit, `s` px border cropped).
 * Also measures tile-seam error for a range of tile overlaps (see seamError).
 *
 *   node models/eval/upscale-quality.mjs [kodak dir]    (default ../shared/data/eval/kodak24)
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import * as ort from 'onnxruntime-node';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = process.argv[2] ?? join(root, '../shared/data/eval/kodak24');
const MODELS = ['esrgan-slim-x2', 'esrgan-slim-x4', 'esrgan-medium-x2', 'esrgan-medium-x4'];

/** @typedef {{ w: number, h: number, data: Float32Array }} Img  planar RGB (CHW), 0..255 */

/** @returns {Img} */
function readPng(/** @type {string} */ path) {
  const png = PNG.sync.read(readFileSync(path));
  const { width: w, height: h } = png;
  const data = new Float32Array(3 * w * h);
  for (let i = 0; i < w * h; i++) for (let c = 0; c < 3; c++) data[c * w * h + i] = png.data[i * 4 + c];
  return { w, h, data };
}

/** Area (box) downscale by an integer factor. @param {Img} im @param {number} s @returns {Img} */
function boxDown(im, s) {
  const w = Math.floor(im.w / s), h = Math.floor(im.h / s), out = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) sum += im.data[c * im.w * im.h + (y * s + dy) * im.w + x * s + dx];
        out[c * w * h + y * w + x] = sum / (s * s);
      }
  return { w, h, data: out };
}

/** Keys cubic kernel, a = -0.5 (Matlab / PIL bicubic). */
const cubic = (/** @type {number} */ x) => {
  x = Math.abs(x);
  return x <= 1 ? 1.5 * x ** 3 - 2.5 * x ** 2 + 1 : x < 2 ? -0.5 * x ** 3 + 2.5 * x ** 2 - 4 * x + 2 : 0;
};

/** Separable bicubic upscale, half-pixel centres, edge clamp. @param {Img} im @param {number} s @returns {Img} */
function bicubicUp(im, s) {
  const W = im.w * s, H = im.h * s;
  const taps = (/** @type {number} */ n, /** @type {number} */ len) => Array.from({ length: n }, (_, o) => {
    const src = (o + 0.5) / s - 0.5, i0 = Math.floor(src);
    return [-1, 0, 1, 2].map((k) => [Math.min(len - 1, Math.max(0, i0 + k)), cubic(src - (i0 + k))]);
  });
  const tx = taps(W, im.w), ty = taps(H, im.h);
  const tmp = new Float32Array(3 * im.h * W), out = new Float32Array(3 * H * W);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < im.h; y++)
      for (let x = 0; x < W; x++)
        tmp[(c * im.h + y) * W + x] = tx[x].reduce((a, [i, wt]) => a + wt * im.data[(c * im.h + y) * im.w + i], 0);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        out[(c * H + y) * W + x] = ty[y].reduce((a, [i, wt]) => a + wt * tmp[(c * im.h + i) * W + x], 0);
  }
  return { w: W, h: H, data: out };
}

/** PSNR over RGB after clamping + rounding to 8 bit, cropping `border` px. @param {Img} a ref @param {Img} b */
function psnr(a, b, /** @type {number} */ border) {
  let se = 0, n = 0;
  for (let c = 0; c < 3; c++)
    for (let y = border; y < a.h - border; y++)
      for (let x = border; x < a.w - border; x++) {
        const i = (c * a.h + y) * a.w + x;
        const d = a.data[i] - Math.round(Math.min(255, Math.max(0, b.data[i])));
        se += d * d; n++;
      }
  return 10 * Math.log10((255 * 255) / (se / n));
}

/** @param {ort.InferenceSession} session @param {Img} im @param {number} s @returns {Promise<Img>} */
async function runModel(session, im, s) {
  const r = await session.run({ input: new ort.Tensor('float32', im.data, [1, 3, im.h, im.w]) });
  return { w: im.w * s, h: im.h * s, data: /** @type {Float32Array} */ (r.output.data) };
}

/** @param {Img} im @returns {Img} */
function crop(im, /** @type {number} */ x0, /** @type {number} */ y0, /** @type {number} */ w, /** @type {number} */ h) {
  const out = new Float32Array(3 * w * h);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(c * h + y) * w + x] = im.data[(c * im.h + y0 + y) * im.w + x0 + x];
  return { w, h, data: out };
}

/**
 * Tile-seam error: split the image into two tiles (left 64 px wide, right the rest, sharing
 * `o` input px), blend them with the app's cosine feather (src/core/tiling/blend.ts) and
 * return the max abs diff to the whole-image output, on 0..255.
 */
async function seamError(/** @type {ort.InferenceSession} */ session, /** @type {Img} */ lr, /** @type {Img} */ full, /** @type {number} */ s, /** @type {number} */ o) {
  const T = 64, A = await runModel(session, crop(lr, 0, 0, T, lr.h), s), B = await runModel(session, crop(lr, T - o, 0, lr.w - T + o, lr.h), s);
  const bx = (T - o) * s, ov = o * s;
  let max = 0;
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < full.h; y++)
      for (let x = bx; x < T * s; x++) {
        const wb = 0.5 - 0.5 * Math.cos((Math.PI * (x - bx + 0.5)) / ov);
        const v = (1 - wb) * A.data[(c * A.h + y) * A.w + x] + wb * B.data[(c * B.h + y) * B.w + x - bx];
        max = Math.max(max, Math.abs(v - full.data[(c * full.h + y) * full.w + x]));
      }
  return max;
}

const files = readdirSync(dataDir).filter((f) => f.endsWith('.png')).sort();
const images = files.map((f) => readPng(join(dataDir, f)));
console.log(`${files.length} images from ${dataDir}\n`);
console.log('| model | scale | input | bicubic PSNR (dB) | model fp16 PSNR (dB) | gain |');
console.log('|---|---|---|---|---|---|');
const seams = [];
for (const id of MODELS) {
  const s = Number(/x(\d+)$/.exec(id)?.[1]);
  const session = await ort.InferenceSession.create(join(root, 'public/models/upscale', `${id}.fp16.onnx`));
  let pb = 0, pm = 0;
  for (const [k, hr] of images.entries()) {
    const lr = boxDown(hr, s);
    const sr = await runModel(session, lr, s);
    pb += psnr(hr, bicubicUp(lr, s), s);
    pm += psnr(hr, sr, s);
    if (k === 0) seams.push([id, ...(await Promise.all([8, 16, 24, 32].map((o) => seamError(session, lr, sr, s, o))))]);
  }
  const n = images.length, b = pb / n, m = pm / n;
  console.log(`| ${id} (fp16) | x${s} | ${images[0].w / s}x${images[0].h / s} | ${b.toFixed(2)} | ${m.toFixed(2)} | ${(m - b >= 0 ? '+' : '') + (m - b).toFixed(2)} |`);
  await session.release();
}
console.log('\nTile-seam error on kodim01, cosine-feathered two-tile blend vs whole image (max |diff| on 0..255) by overlap:');
console.log('| model | 8 px | 16 px | 24 px | 32 px |\n|---|---|---|---|---|');
for (const [id, ...e] of seams) console.log(`| ${id} | ${e.map((v) => Number(v).toFixed(3)).join(' | ')} |`);
