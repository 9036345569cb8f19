import type { RgbaImage } from '../../core/image/types';
import type { StageContext, StageRunner } from '../../core/pipeline/stage';
import { labToRgbInto, lightnessPlane, parseHexColor, rgbToLab } from '../../core/color/lab';
import { resizeArea, upsampleChroma, type Plane } from '../../core/color/guided-upsample';
import { colorizeMeta, colorizeModelFor, type ColorHint, type ColorizeOptions } from './meta';
import { conventionOf, type HintPlanes } from './conventions';
import { spreadHints } from './spread-hints';
import { analyzeTone, hasColour } from '../../core/color/monochrome';
import { shrinkImage } from '../../core/analysis/shrink';

/**
 * Stamps the hints into planes at the network's input size: each point becomes a small square
 * of the hint's a/b with the mask set, as the training code samples them (models/colorize).
 * Later hints win where they overlap.
 */
export function stampHints(hints: readonly ColorHint[], width: number, height: number, size = colorizeMeta.hintSize): HintPlanes {
  const n = width * height;
  const ab = new Float32Array(2 * n);
  const mask = new Float32Array(n);
  for (const h of hints) {
    const [, a, b] = rgbToLab(...parseHexColor(h.color));
    for (const [fx, fy] of h.points) {
      if (!Number.isFinite(fx) || !Number.isFinite(fy)) continue;
      const cx = Math.floor(Math.min(0.999999, Math.max(0, fx)) * width);
      const cy = Math.floor(Math.min(0.999999, Math.max(0, fy)) * height);
      const x0 = Math.max(0, cx - (size >> 1)), y0 = Math.max(0, cy - (size >> 1));
      for (let y = y0; y < Math.min(height, y0 + size); y++)
        for (let x = x0; x < Math.min(width, x0 + size); x++) {
          const i = y * width + x;
          ab[i] = a;
          ab[n + i] = b;
          mask[i] = 1;
        }
    }
  }
  return { ab, mask };
}

/**
 * The photo's chroma at the network's own (low) resolution, hints applied; with the lightness
 * at full size (L) and at that low size (low), which guide the way up.
 */
export async function predictChroma(image: RgbaImage, options: ColorizeOptions, ctx: StageContext) {
  const manifest = colorizeModelFor(options);
  const convention = conventionOf(manifest);
  const model = await ctx.loadModel(manifest);
  ctx.signal?.throwIfAborted();
  const L: Plane = { width: image.width, height: image.height, data: lightnessPlane(image) };
  const size = convention.inputSize(image.width, image.height, manifest);
  const small = resizeArea(L, size.width, size.height);
  const hints = convention.takesHints && options.hints.length ? stampHints(options.hints, size.width, size.height) : undefined;
  const out = await model.run(convention.input(small, hints), ctx.signal);
  const chroma = convention.chroma(out);
  const low = resizeArea(L, chroma.width, chroma.height);
  spreadHints(chroma, low, options.hints);
  return { L, low, chroma };
}

export const runColorize: StageRunner<ColorizeOptions> = async (image, options, ctx) => {
  const s = Math.min(1, Math.max(0, options.strength));
  if (s === 0) return image;
  if (!options.force && hasColour(analyzeTone(shrinkImage(image, 1024)))) {
    ctx.note?.({ stage: 'colorize', skipped: true, message: 'skipped: the photo already has colour (force it to recolour)' });
    return image;
  }
  const report = (done: number) => ctx.progress({ stage: 'Colorizing', done, total: 2 });
  report(0);
  const { L, low, chroma } = await predictChroma(image, options, ctx);
  report(1);
  const src = image.data;
  const out = new Uint8ClampedArray(src.length);
  const W = image.width;
  upsampleChroma(chroma.ab, low, L, (y, a, b) => {
    for (let x = 0, i = y * W, o = i * 4; x < W; x++, i++, o += 4) {
      let pa = a[x]!, pb = b[x]!;
      if (s < 1) {
        // blend with the photo's own chroma (its sepia tone, or none)
        const [, oa, ob] = rgbToLab(src[o]!, src[o + 1]!, src[o + 2]!);
        pa = oa + s * (pa - oa);
        pb = ob + s * (pb - ob);
      }
      labToRgbInto(L.data[i]!, pa, pb, out, o);
      out[o + 3] = src[o + 3]!;
    }
  });
  report(2);
  return { width: image.width, height: image.height, data: out };
};
