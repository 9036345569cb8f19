/**
 * What the table looks like: colour clusters of the photo's outer frame, where a photo of a
 * print shows the surface it lies on. A pixel's distance to the nearest cluster, in units of
 * that cluster's own spread, says how unlike the table it is. Lightness weighs less than
 * chroma so a shadow on the table stays "table".
 */
import type { RgbaImage } from '../image/types';

/** Weight of lightness against the two chroma axes. */
const LIGHTNESS_WEIGHT = 0.5;
/** A cluster's spread is never taken below this (levels): a flat table would make noise look like a print. */
const MIN_SPREAD = 6;
const CLUSTERS = 3;
/** Least share of the strip a cluster must hold to count as table. */
const MIN_CLUSTER_SHARE = 0.05;

export interface TableModel {
  centres: Float32Array; // CLUSTERS x 3
  spreads: Float32Array; // CLUSTERS
}

/** The colour features the model compares: weighted lightness and two opponent chroma axes. */
export function colourFeatures(r: number, g: number, b: number, out: Float32Array, o = 0): void {
  out[o] = ((r + g + b) / 3) * LIGHTNESS_WEIGHT;
  out[o + 1] = r - g;
  out[o + 2] = (r + g) / 2 - b;
}

export function featureImage(image: RgbaImage): Float32Array {
  const n = image.width * image.height, f = new Float32Array(n * 3), d = image.data;
  for (let i = 0; i < n; i++) colourFeatures(d[i * 4]!, d[i * 4 + 1]!, d[i * 4 + 2]!, f, i * 3);
  return f;
}

/** Clusters (k-means, seeded by lightness quantiles so the result is deterministic) of the frame strip. */
export function learnTable(features: Float32Array, width: number, height: number, strip: number): TableModel {
  const samples: number[] = [];
  const take = (x: number, y: number) => samples.push(y * width + x);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (x < strip || y < strip || x >= width - strip || y >= height - strip) take(x, y);
  const byLight = samples.slice().sort((a, b) => features[a * 3]! - features[b * 3]!);
  const centres = new Float32Array(CLUSTERS * 3);
  for (let k = 0; k < CLUSTERS; k++) {
    const s = byLight[Math.floor(((k + 0.5) / CLUSTERS) * byLight.length)]!;
    centres.set(features.subarray(s * 3, s * 3 + 3), k * 3);
  }
  const label = new Uint8Array(samples.length);
  for (let iter = 0; iter < 8; iter++) {
    const sum = new Float64Array(CLUSTERS * 3), count = new Float64Array(CLUSTERS);
    samples.forEach((s, i) => {
      let best = 0, bestD = Infinity;
      for (let k = 0; k < CLUSTERS; k++) {
        const d = sq(features, s * 3, centres, k * 3);
        if (d < bestD) (bestD = d), (best = k);
      }
      label[i] = best;
      count[best]!++;
      for (let c = 0; c < 3; c++) sum[best * 3 + c]! += features[s * 3 + c]!;
    });
    for (let k = 0; k < CLUSTERS; k++) if (count[k]) for (let c = 0; c < 3; c++) centres[k * 3 + c] = sum[k * 3 + c]! / count[k]!;
  }
  const spreadSum = new Float64Array(CLUSTERS), count = new Float64Array(CLUSTERS);
  samples.forEach((s, i) => {
    spreadSum[label[i]!]! += sq(features, s * 3, centres, label[i]! * 3);
    count[label[i]!]!++;
  });
  const spreads = new Float32Array(CLUSTERS);
  for (let k = 0; k < CLUSTERS; k++) spreads[k] = Math.max(MIN_SPREAD, Math.sqrt(count[k] ? spreadSum[k]! / count[k]! : 0));
  // An empty cluster (a one-colour table) must not match anything: push it out of reach. So must a
  // small one: that is a corner of the print reaching into the strip, not the table.
  for (let k = 0; k < CLUSTERS; k++) if (count[k]! < MIN_CLUSTER_SHARE * samples.length) centres.fill(1e6, k * 3, k * 3 + 3);
  return { centres, spreads };
}

function sq(a: Float32Array, i: number, b: Float32Array, j: number): number {
  const d0 = a[i]! - b[j]!, d1 = a[i + 1]! - b[j + 1]!, d2 = a[i + 2]! - b[j + 2]!;
  return d0 * d0 + d1 * d1 + d2 * d2;
}

/** How unlike the table a colour (given as features) is: 0 on a cluster centre, ~1 at its typical spread. */
export function tableDistance(model: TableModel, f: Float32Array, o = 0): number {
  let best = Infinity;
  for (let k = 0; k < model.spreads.length; k++) {
    const d = Math.sqrt(sq(f, o, model.centres, k * 3)) / model.spreads[k]!;
    if (d < best) best = d;
  }
  return best;
}
