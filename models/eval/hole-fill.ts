/**
 * Large holes: the inpainting network alone against the app's fill (the network, then large holes
 * rebuilt from the photo's own patches: src/stages/repair/patch-fill.ts), on the same holes.
 *
 *   /usr/bin/python3 models/repair/hole_sizes.py --masks .bench/holes --limit 12
 *   npm run eval:holes            (builds this with models/eval/vite.holes.config.ts, then runs it)
 *
 * Per set, hole shape and size: PSNR inside the hole against the original, and a detail ratio:
 * the gradient energy of the fill (pixels at least 3 px inside the hole) over the original's at
 * the same pixels (1: as much fine structure as the photo had; a smooth smear is near 0). PSNR
 * rewards the smear (the mean of every plausible fill), so the two are read together, with the
 * contact sheets. Writes models/eval/logs/hole-fill.json, a markdown table on stdout and
 * models/cards/repair-sheets/large-holes-*.jpg (hole | network | network + patch fill | original,
 * 2x crops round each hole, real-old/bw-historical).
 */
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import * as ortNode from 'onnxruntime-node';
import type { RgbaImage } from '../../src/core/image/types';
import type { Mask } from '../../src/core/image/mask';
import type { StageContext } from '../../src/core/pipeline/stage';
import { networkFill } from '../../src/stages/repair/run';
import { patchFillLargeHoles } from '../../src/stages/repair/patch-fill';
import { nodeModelLoader, type NodeOrt } from '../../cli/models';

const root = process.cwd();
const holesDir = process.env.HOLES_DIR ?? join(root, '.bench', 'holes');
const sheetDir = join(root, 'models', 'cards', 'repair-sheets');
const CROP = { w: 240, h: 180, zoom: 2 };
const PER_SHEET = 7;

const ctx: StageContext = { progress: () => undefined, loadModel: nodeModelLoader(ortNode as unknown as NodeOrt, join(root, 'public', 'models'), 2) };

async function readRgba(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).removeAlpha().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length) };
}

function holePsnr(a: RgbaImage, b: RgbaImage, mask: Mask): number {
  let se = 0, n = 0;
  for (let i = 0; i < mask.data.length; i++)
    if (mask.data[i])
      for (let c = 0; c < 3; c++) {
        se += (a.data[i * 4 + c]! - b.data[i * 4 + c]!) ** 2;
        n++;
      }
  return 10 * Math.log10((255 * 255) / Math.max(se / n, 1e-10));
}

/** Mean squared forward difference (x and y, RGB) over pixels at least 3 px inside the hole. */
function gradientEnergy(img: RgbaImage, mask: Mask): number {
  const { width: w, height: h } = img;
  let e = 0, n = 0;
  for (let y = 3; y < h - 3; y++)
    for (let x = 3; x < w - 3; x++) {
      let deep = true;
      for (let d = -3; d <= 3 && deep; d++) deep = !!mask.data[(y + d) * w + x] && !!mask.data[y * w + x + d];
      if (!deep) continue;
      for (let c = 0; c < 3; c++) {
        const i = (y * w + x) * 4 + c;
        e += (img.data[i + 4]! - img.data[i]!) ** 2 + (img.data[i + w * 4]! - img.data[i]!) ** 2;
      }
      n++;
    }
  return n ? e / n : 0;
}

async function cropRow(images: RgbaImage[], mask: Mask): Promise<Buffer> {
  const { width: w, height: h } = mask;
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) (sx += i % w), (sy += (i / w) | 0), n++;
  const cw = Math.min(CROP.w, w), ch = Math.min(CROP.h, h);
  const left = Math.min(Math.max(0, Math.round(sx / n - cw / 2)), w - cw), top = Math.min(Math.max(0, Math.round(sy / n - ch / 2)), h - ch);
  const tiles = await Promise.all(images.map((im) => sharp(Buffer.from(im.data.buffer, im.data.byteOffset, im.data.length), { raw: { width: w, height: h, channels: 4 } })
    .extract({ left, top, width: cw, height: ch }).resize(cw * CROP.zoom, ch * CROP.zoom, { kernel: 'nearest' }).png().toBuffer()));
  const gap = 8;
  return sharp({ create: { width: images.length * (cw * CROP.zoom + gap), height: ch * CROP.zoom, channels: 3, background: '#fff' } })
    .composite(tiles.map((input, k) => ({ input, left: k * (cw * CROP.zoom + gap), top: 0 }))).png().toBuffer();
}

async function main() {
  const rows: Record<string, { network: number[]; app: number[]; detailNetwork: number[]; detailApp: number[]; ms: number[] }> = {};
  const sheetRows: Buffer[] = [];
  for (const set of readdirSync(holesDir).sort()) {
    const dir = join(holesDir, set);
    for (const f of readdirSync(dir).filter((n) => n.includes('--')).sort()) {
      const [photo, hole] = f.replace('.png', '').split('--') as [string, string];
      const original = await readRgba(join(dir, `${photo}.png`));
      const m = await sharp(join(dir, f)).greyscale().raw().toBuffer();
      const mask: Mask = { width: original.width, height: original.height, data: Uint8Array.from(m, (v) => (v > 127 ? 255 : 0)) };
      const holed = { ...original, data: new Uint8ClampedArray(original.data) };
      for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) holed.data.set([0, 0, 0], i * 4);
      const network = await networkFill(holed, mask, ctx);
      const t = performance.now();
      const app = patchFillLargeHoles(network, mask);
      const ms = performance.now() - t;
      const g = gradientEnergy(original, mask);
      const r = (rows[`${set} ${hole.replace('-', ' ')} %`] ??= { network: [], app: [], detailNetwork: [], detailApp: [], ms: [] });
      r.network.push(holePsnr(network, original, mask));
      r.app.push(holePsnr(app, original, mask));
      r.detailNetwork.push(gradientEnergy(network, mask) / g);
      r.detailApp.push(gradientEnergy(app, mask) / g);
      r.ms.push(ms);
      if (set === 'real-old') sheetRows.push(await cropRow([holed, network, app, original], mask));
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const lines = ['| set | hole | n | network PSNR | network + patch fill PSNR | difference | detail ratio: network -> with patch fill | patch fill time |', '|---|---|---|---|---|---|---|---|'];
  const summary: Record<string, Record<string, number>> = {};
  const order = (k: string) => k.replace(/(\d+) %$/, (_, n: string) => n.padStart(3, '0')); // 5 % before 10 %
  for (const [key, r] of Object.entries(rows).sort(([a], [b]) => order(a).localeCompare(order(b)))) {
    const [set, ...rest] = key.split(' ');
    summary[key] = { n: r.network.length, network: mean(r.network), app: mean(r.app), detailNetwork: mean(r.detailNetwork), detailApp: mean(r.detailApp), ms: mean(r.ms) };
    const s = summary[key]!;
    lines.push(`| ${set} | ${rest.join(' ')} | ${s.n} | ${s.network.toFixed(2)} | ${s.app.toFixed(2)} | ${(s.app - s.network).toFixed(2)} dB | ${s.detailNetwork.toFixed(2)} -> ${s.detailApp.toFixed(2)} | ${Math.round(s.ms)} ms |`);
  }
  const table = lines.join('\n');
  console.log(table);
  mkdirSync(join(root, 'models', 'eval', 'logs'), { recursive: true });
  writeFileSync(join(root, 'models', 'eval', 'logs', 'hole-fill.json'), JSON.stringify({ date: new Date().toISOString().slice(0, 10), rows: summary, table }, null, 1));
  for (let i = 0; i < sheetRows.length; i += PER_SHEET) {
    const part = sheetRows.slice(i, i + PER_SHEET);
    const metas = await Promise.all(part.map((b) => sharp(b).metadata()));
    const height = metas.reduce((a, m) => a + m.height! + 8, 0);
    let top = 0;
    const out = join(sheetDir, `large-holes-${i / PER_SHEET + 1}.jpg`);
    await sharp({ create: { width: metas[0]!.width!, height, channels: 3, background: '#fff' } })
      .composite(part.map((input, k) => {
        const at = top;
        top += metas[k]!.height! + 8;
        return { input, left: 0, top: at };
      })).jpeg({ quality: 80 }).toFile(out);
    console.log(out);
  }
}

await main();
