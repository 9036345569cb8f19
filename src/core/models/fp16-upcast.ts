import protobuf from 'protobufjs/minimal.js';

/**
 * fp16-weight ONNX files store each weight as float16 followed by a Cast to float32 (written by
 * models/onnx_tools.py and models/convert-tfjs). onnxruntime-web does not fold those Casts: it
 * re-casts every weight on every run (1.4-1.7x slower on WASM). Rewriting the graph once, when the
 * model is loaded, gives a float32 graph again: the download stays half the size, the run costs
 * nothing extra. Each Cast(to=FLOAT) whose only input is a float16 initializer used by nothing else
 * becomes a float32 initializer named as the Cast's output; everything else is copied byte for byte.
 */

const { Reader, Writer } = protobuf;
const FLOAT = 1;
const FLOAT16 = 10;
// field numbers (onnx.proto3)
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const NODE = { input: 1, output: 2, opType: 4, attribute: 5 };
const ATTR = { name: 1, i: 3 };
const TENSOR = { dims: 1, dataType: 2, int32Data: 5, name: 8, rawData: 9 };
const LEN = 2;

interface Field { field: number; wire: number; start: number; end: number; body?: Uint8Array }

/** The top-level fields of one message, with their byte ranges (tag included) and LEN payloads. */
function fields(buf: Uint8Array): Field[] {
  const r = Reader.create(buf);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const f: Field = { field: tag >>> 3, wire: tag & 7, start, end: 0 };
    if (f.wire === LEN) f.body = r.bytes();
    else r.skipType(f.wire);
    f.end = r.pos;
    out.push(f);
  }
  return out;
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function lenField(field: number, body: Uint8Array): Uint8Array {
  const head = Writer.create().uint32((field << 3) | LEN).uint32(body.length).finish();
  return concat([head, body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** IEEE half -> single precision. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

interface Tensor { name: string; dataType: number; raw?: Uint8Array; ints: number[]; dims: Field[] }

function readTensor(buf: Uint8Array): Tensor {
  const t: Tensor = { name: '', dataType: 0, ints: [], dims: [] };
  for (const f of fields(buf)) {
    if (f.field === TENSOR.name) t.name = text(f.body!);
    else if (f.field === TENSOR.dims) t.dims.push({ ...f, body: buf.subarray(f.start, f.end) });
    else if (f.field === TENSOR.dataType) t.dataType = Reader.create(buf.subarray(f.start, f.end)).skip(1).uint32();
    else if (f.field === TENSOR.rawData) t.raw = f.body;
    else if (f.field === TENSOR.int32Data) { // float16 stored as one uint16 per int32 (when not raw)
      const r = Reader.create(buf.subarray(f.start, f.end));
      r.uint32();
      if (f.wire === LEN) { const end = r.uint32() + r.pos; while (r.pos < end) t.ints.push(r.uint32()); }
      else t.ints.push(r.uint32());
    }
  }
  return t;
}

function halves(t: Tensor): Uint16Array {
  if (!t.raw) return Uint16Array.from(t.ints);
  const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
  return Uint16Array.from({ length: t.raw.length / 2 }, (_, i) => v.getUint16(2 * i, true));
}

interface Node { inputs: string[]; outputs: string[]; opType: string; to?: number }

function readNode(buf: Uint8Array): Node {
  const n: Node = { inputs: [], outputs: [], opType: '' };
  for (const f of fields(buf)) {
    if (f.field === NODE.input) n.inputs.push(text(f.body!));
    else if (f.field === NODE.output) n.outputs.push(text(f.body!));
    else if (f.field === NODE.opType) n.opType = text(f.body!);
    else if (f.field === NODE.attribute) {
      const a = fields(f.body!);
      const name = a.find((x) => x.field === ATTR.name);
      const i = a.find((x) => x.field === ATTR.i);
      if (name && i && text(name.body!) === 'to') n.to = Reader.create(f.body!.subarray(i.start, i.end)).skip(1).uint32();
    }
  }
  return n;
}

function float32Tensor(t: Tensor, name: string): Uint8Array {
  const h = halves(t);
  const raw = new Uint8Array(h.length * 4);
  const v = new DataView(raw.buffer);
  h.forEach((x, i) => v.setFloat32(4 * i, halfToFloat(x), true));
  const dataType = Writer.create().uint32((TENSOR.dataType << 3) | 0).uint32(FLOAT).finish();
  return concat([...t.dims.map((d) => d.body!), dataType, lenField(TENSOR.name, new TextEncoder().encode(name)), lenField(TENSOR.rawData, raw)]);
}

function upcastGraph(graph: Uint8Array): { graph: Uint8Array; folded: number } {
  const all = fields(graph);
  const nodes = all.filter((f) => f.field === GRAPH_NODE).map((f) => ({ f, n: readNode(f.body!) }));
  const inits = new Map(all.filter((f) => f.field === GRAPH_INITIALIZER).map((f) => {
    const t = readTensor(f.body!);
    return [t.name, { f, t }] as const;
  }));
  const uses = new Map<string, number>();
  for (const { n } of nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const replace = new Map<Field, Uint8Array | null>();
  for (const { f, n } of nodes) {
    const src = n.opType === 'Cast' && n.to === FLOAT && n.inputs.length === 1 ? inits.get(n.inputs[0]!) : undefined;
    if (!src || src.t.dataType !== FLOAT16 || uses.get(src.t.name) !== 1 || replace.has(src.f)) continue;
    replace.set(f, null); // the Cast goes
    replace.set(src.f, lenField(GRAPH_INITIALIZER, float32Tensor(src.t, n.outputs[0]!)));
  }
  const parts = all.map((f) => (replace.has(f) ? replace.get(f) ?? new Uint8Array(0) : graph.subarray(f.start, f.end)));
  return { graph: concat(parts), folded: [...replace.values()].filter((v) => v === null).length };
}

/** A float32 graph from an fp16-weight ONNX file (unchanged bytes when there is nothing to fold). */
export function upcastFp16Weights(model: Uint8Array): { bytes: Uint8Array; folded: number } {
  const all = fields(model);
  let folded = 0;
  const parts = all.map((f) => {
    if (f.field !== MODEL_GRAPH) return model.subarray(f.start, f.end);
    const g = upcastGraph(f.body!);
    folded = g.folded;
    return lenField(MODEL_GRAPH, g.graph);
  });
  return folded ? { bytes: concat(parts), folded } : { bytes: model, folded: 0 };
}
