/** Types for convert.mjs (the project type-checks with allowJs: false). */
export interface TfjsModel {
  topology: unknown;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  path: string;
}
export interface ConvertOptions {
  fp16?: boolean;
  docString?: string;
  metadata?: Record<string, string>;
}
export const CONVERTER_VERSION: string;
export const OPSET: number;
export function loadTfjsModel(modelJsonPath: string): TfjsModel;
export function convert(model: TfjsModel, opts?: ConvertOptions): Uint8Array;
export function convertFile(modelJsonPath: string, opts?: { fp16?: boolean }): Uint8Array;
export function countParams(model: TfjsModel): number;
export function analyze(model: TfjsModel): { scale: number; radius: number };
export function sourcePackage(modelJsonPath: string): { name: string; version: string; license: string; dir: string } | undefined;
export function docStringFor(modelJsonPath: string): string;
