import protobuf from 'protobufjs/minimal.js';

/**
 * float16 ONNX files become float32 graphs once, when the model is loaded.
 *
 * - fp16-weight files (models/onnx_tools.py, models/convert-tfjs) store each weight as float16
 *   followed by a Cast to float32. onnxruntime-web does not fold those Casts: it re-casts every
 *   weight on every run (1.4-1.7x slower on WASM). Each Cast(to=FLOAT) whose only input is a
 *   float16 initializer used by nothing else becomes a float32 initializer named as the Cast's output.
 * - Fully half-precision files (what onnxconverter-common's float16 conversion writes, e.g. the
 *   170 MB GFPGAN 1.4 users convert themselves) take and give float16 and compute in it, while
 *   every stage feeds and reads float32 tensors (such a file used to be refused). Every float16
 *   left (initializers, inputs, outputs, value infos, Cast targets, constant attributes,
 *   subgraphs) is made float32, so they load as they are and run as an fp32 file would (checked
 *   on the shipped SR, face and detector graphs converted that way: within 2.2e-4 of fp32).
 *
 * The download stays half the size; everything else is copied byte for byte.
 */
const { Reader, Writer } = protobuf;
const FLOAT = 1;
const FLOAT16 = 10;
// field numbers (onnx.proto3)
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_VALUES = new Set([11, 12, 13]); // input, output, value_info
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE = { input: 1, output: 2, opType: 4, attribute: 5 };
const ATTR = { name: 1, i: 3, t: 5, g: 6, tensors: 10, graphs: 11 };
const TENSOR = { dims: 1, dataType: 2, int32Data: 5, name: 8, rawData: 9, externalData: 13 };
const VALUE_TYPE = 2; // ValueInfoProto.type -> TypeProto
const TYPE = { tensor: 1, sequence: 4, map: 5, sparseTensor: 8, optional: 9 };
const TENSOR_TYPE_ELEM = 1; // TypeProto.Tensor.elem_type
const ELEMENT_TYPES = new Set([TYPE.sequence, TYPE.optional]); // TypeProto.Sequence/Optional.elem_type (field 1)
// attributes that name an element type
const TYPE_ATTRIBUTES = new Set(['to', 'dtype', 'output_dtype']);
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

const varint = (field: number, v: number) => Writer.create().uint32(field << 3).uint32(v).finish();
const varintOf = (buf: Uint8Array, f: Field) => Reader.create(buf.subarray(f.start, f.end)).skip(1).uint32();

/** The message with some top-level fields replaced (null: dropped); the same bytes when none is. */
function rewrite(buf: Uint8Array, change: (f: Field) => Uint8Array | null | undefined): Uint8Array {
  let changed = false;
  const parts = fields(buf).map((f) => {
    const r = change(f);
    if (r === undefined) return buf.subarray(f.start, f.end);
    changed = true;
    return r ?? new Uint8Array(0);
  });
  return changed ? concat(parts) : buf;
}

/** IEEE half -> single precision. */
export function halfToFloat(h: number): number {
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
    else if (f.field === TENSOR.dataType) t.dataType = varintOf(buf, f);
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
      if (name && i && text(name.body!) === 'to') n.to = varintOf(f.body!, i);
    }
  }
  return n;
}

function float32Tensor(t: Tensor, name: string): Uint8Array {
  const h = halves(t);
  const raw = new Uint8Array(h.length * 4);
  const v = new DataView(raw.buffer);
  h.forEach((x, i) => v.setFloat32(4 * i, halfToFloat(x), true));
  return concat([...t.dims.map((d) => d.body!), varint(TENSOR.dataType, FLOAT), lenField(TENSOR.name, new TextEncoder().encode(name)), lenField(TENSOR.rawData, raw)]);
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
  const replace = new Map<number, Uint8Array | null>(); // by the field's offset
  for (const { f, n } of nodes) {
    const src = n.opType === 'Cast' && n.to === FLOAT && n.inputs.length === 1 ? inits.get(n.inputs[0]!) : undefined;
    if (!src || src.t.dataType !== FLOAT16 || uses.get(src.t.name) !== 1 || replace.has(src.f.start)) continue;
    replace.set(f.start, null); // the Cast goes
    replace.set(src.f.start, lenField(GRAPH_INITIALIZER, float32Tensor(src.t, n.outputs[0]!)));
  }
  return { graph: rewrite(graph, (f) => replace.get(f.start)), folded: [...replace.values()].filter((v) => v === null).length };
}

/** A LEN field rewritten by `fn` (undefined when its body comes back unchanged). */
function nested(field: number, f: Field, fn: (b: Uint8Array) => Uint8Array): Uint8Array | undefined {
  const b = fn(f.body!);
  return b === f.body ? undefined : lenField(field, b);
}

function tensorToFloat32(buf: Uint8Array): Uint8Array {
  const t = readTensor(buf);
  if (t.dataType !== FLOAT16) return buf;
  if (fields(buf).some((f) => f.field === TENSOR.externalData)) throw new Error('float16 weights stored outside the .onnx file are not supported');
  return float32Tensor(t, t.name);
}

function typeToFloat32(buf: Uint8Array): Uint8Array {
  return rewrite(buf, (f) => {
    if (f.field === TYPE.tensor || f.field === TYPE.sparseTensor)
      return nested(f.field, f, (b) => rewrite(b, (e) => (e.field === TENSOR_TYPE_ELEM && varintOf(b, e) === FLOAT16 ? varint(TENSOR_TYPE_ELEM, FLOAT) : undefined)));
    if (ELEMENT_TYPES.has(f.field)) return nested(f.field, f, (b) => rewrite(b, (e) => (e.field === 1 ? nested(1, e, typeToFloat32) : undefined)));
    if (f.field === TYPE.map) return nested(f.field, f, (b) => rewrite(b, (e) => (e.field === 2 ? nested(2, e, typeToFloat32) : undefined)));
    return undefined;
  });
}

function attributeToFloat32(buf: Uint8Array): Uint8Array {
  const name = fields(buf).find((f) => f.field === ATTR.name);
  const typeAttr = !!name && TYPE_ATTRIBUTES.has(text(name.body!));
  return rewrite(buf, (f) => {
    if (f.field === ATTR.i && typeAttr && varintOf(buf, f) === FLOAT16) return varint(ATTR.i, FLOAT);
    if (f.field === ATTR.t || f.field === ATTR.tensors) return nested(f.field, f, tensorToFloat32);
    if (f.field === ATTR.g || f.field === ATTR.graphs) return nested(f.field, f, graphToFloat32);
    return undefined;
  });
}

function graphToFloat32(graph: Uint8Array): Uint8Array {
  return rewrite(graph, (f) => {
    if (f.field === GRAPH_NODE) return nested(f.field, f, (b) => rewrite(b, (a) => (a.field === NODE.attribute ? nested(a.field, a, attributeToFloat32) : undefined)));
    if (f.field === GRAPH_INITIALIZER) return nested(f.field, f, tensorToFloat32);
    if (GRAPH_VALUES.has(f.field)) return nested(f.field, f, (b) => rewrite(b, (v) => (v.field === VALUE_TYPE ? nested(v.field, v, typeToFloat32) : undefined)));
    if (f.field === GRAPH_SPARSE_INITIALIZER) throw new Error('sparse initializers are not supported');
    return undefined;
  });
}

/**
 * A float32 graph from a float16 ONNX file: weight Casts folded (`folded` counts them), then any
 * float16 left made float32 (`halfPrecision`: the file computed in float16). A float32 file comes
 * back as the same bytes.
 */
export function upcastFp16Weights(model: Uint8Array): { bytes: Uint8Array; folded: number; halfPrecision: boolean } {
  let folded = 0;
  const weights = rewrite(model, (f) => {
    if (f.field !== MODEL_GRAPH) return undefined;
    const g = upcastGraph(f.body!);
    folded = g.folded;
    return folded ? lenField(MODEL_GRAPH, g.graph) : undefined;
  });
  const bytes = rewrite(weights, (f) => (f.field === MODEL_GRAPH ? nested(f.field, f, graphToFloat32) : undefined));
  return { bytes, folded, halfPrecision: bytes !== weights };
}
