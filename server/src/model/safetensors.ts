/**
 * The safetensors file format, as the Hugging Face ecosystem defines it
 * (https://github.com/huggingface/safetensors):
 *
 *   [8 bytes] N, unsigned little-endian 64-bit: the header's length in bytes
 *   [N bytes] UTF-8 JSON: { "<name>": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] },
 *                           ..., "__metadata__": { "<key>": "<string value>" } }   (metadata optional)
 *   [rest]    the data section; offsets are relative to its start, little-endian, row-major
 *
 * The data section must be covered exactly by the tensors, without gaps or overlaps. This writer
 * packs tensors in the order given (the header lists them in that order) and pads the header
 * with spaces to a multiple of 8 bytes so that the data section starts 8-byte aligned.
 *
 * Reading returns typed-array views into the file's bytes when they are aligned for the element
 * type, and copies only the tensors that are not.
 */
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';

export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export type TensorData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

interface DtypeInfo {
  bytes: number;
  /** Builds the typed array that holds this dtype (F16 and BF16 as raw bits in a Uint16Array). */
  view: (buffer: ArrayBufferLike, byteOffset: number, length: number) => TensorData;
  /** Typed array classes accepted when writing this dtype. */
  accepts: Array<new (...args: never[]) => TensorData>;
}

const DTYPES: Record<SafetensorsDtype, DtypeInfo> = {
  F64: { bytes: 8, view: (b, o, n) => new Float64Array(b, o, n), accepts: [Float64Array] },
  F32: { bytes: 4, view: (b, o, n) => new Float32Array(b, o, n), accepts: [Float32Array] },
  F16: { bytes: 2, view: (b, o, n) => new Uint16Array(b, o, n), accepts: [Uint16Array] },
  BF16: { bytes: 2, view: (b, o, n) => new Uint16Array(b, o, n), accepts: [Uint16Array] },
  I64: { bytes: 8, view: (b, o, n) => new BigInt64Array(b, o, n), accepts: [BigInt64Array] },
  I32: { bytes: 4, view: (b, o, n) => new Int32Array(b, o, n), accepts: [Int32Array] },
  I16: { bytes: 2, view: (b, o, n) => new Int16Array(b, o, n), accepts: [Int16Array] },
  I8: { bytes: 1, view: (b, o, n) => new Int8Array(b, o, n), accepts: [Int8Array] },
  U64: { bytes: 8, view: (b, o, n) => new BigUint64Array(b, o, n), accepts: [BigUint64Array] },
  U32: { bytes: 4, view: (b, o, n) => new Uint32Array(b, o, n), accepts: [Uint32Array] },
  U16: { bytes: 2, view: (b, o, n) => new Uint16Array(b, o, n), accepts: [Uint16Array] },
  U8: { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n), accepts: [Uint8Array] },
  BOOL: { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n), accepts: [Uint8Array] },
};

export function isSafetensorsDtype(s: unknown): s is SafetensorsDtype {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

export function dtypeBytes(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].bytes;
}

export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorData;
}

export interface SafetensorsFile {
  /** In header order. */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** The ecosystem's readers refuse headers above 100 MB; so does this one (a corrupt length is the usual cause). */
const MAX_HEADER_BYTES = 100_000_000;

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/**
 * Parses a safetensors file held in memory. `file` names the file in error messages.
 * Tensor data are views into `bytes` where aligned (so they share its memory), copies otherwise.
 */
export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const fail = (what: string, todo = 'the file is truncated, damaged or not a safetensors file; write it again'): never => {
    throw new SafetensorsError(`${file}: ${what}; ${todo}`);
  };
  if (bytes.byteLength < 8) fail(`truncated: ${bytes.byteLength} bytes, but a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLenBig = dv.getBigUint64(0, true);
  if (headerLenBig > BigInt(bytes.byteLength - 8)) {
    fail(`header length ${headerLenBig} goes beyond the end of the file (${bytes.byteLength} bytes)`);
  }
  const headerLen = Number(headerLenBig);
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  let headerText: string;
  try {
    headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }> = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof t !== 'object' || t === null) return fail(`tensor '${name}' is not an object`);
    if (!isSafetensorsDtype(t.dtype)) {
      fail(`tensor '${name}' has unknown dtype ${JSON.stringify(t.dtype)} (known: ${Object.keys(DTYPES).join(', ')})`, 'write it with a supported dtype');
    }
    const dtype = t.dtype as SafetensorsDtype;
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegInt)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    const shape = t.shape as number[];
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !isNonNegInt(off[0]) || !isNonNegInt(off[1]) || off[1] < off[0]) {
      fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)} (expected [begin, end], 0 <= begin <= end)`);
    }
    const [begin, end] = off as [number, number];
    if (end > dataLen) {
      fail(`tensor '${name}' has data_offsets [${begin}, ${end}] beyond the data section (${dataLen} bytes)`);
    }
    const want = numel(shape) * DTYPES[dtype].bytes;
    if (end - begin !== want) {
      fail(`tensor '${name}' has ${end - begin} bytes of data, but ${dtype} x [${shape.join(', ')}] needs ${want}`);
    }
    entries.push({ name, dtype, shape, begin, end });
  }

  // The data must be covered exactly once, as the reference implementation requires.
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of byOffset) {
    if (e.begin !== covered) {
      fail(e.begin < covered ? `tensor '${e.name}' overlaps the tensor before it` : `the data section has a gap before tensor '${e.name}' (bytes ${covered}..${e.begin})`);
    }
    covered = e.end;
  }
  if (covered !== dataLen) fail(`the data section has ${dataLen - covered} bytes after the last tensor`);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    const info = DTYPES[e.dtype];
    const at = bytes.byteOffset + dataStart + e.begin;
    const n = numel(e.shape);
    let data: TensorData;
    if (at % info.bytes === 0) {
      data = info.view(bytes.buffer, at, n);
    } else {
      // Typed arrays need aligned offsets: copy this tensor's bytes into fresh memory.
      // (Not bytes.slice(): on a Node Buffer that is a view, not a copy.)
      const copy = new Uint8Array(e.end - e.begin);
      copy.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
      data = info.view(copy.buffer, 0, n);
    }
    tensors.set(e.name, { dtype: e.dtype, shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

/** Reads and parses a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsFile> {
  const bytes = await fsp.readFile(path);
  return parseSafetensors(bytes, path);
}

function asBytes(data: TensorData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Encodes tensors (in iteration order) as safetensors. Returns the chunks of the file: the
 * header, then each tensor's bytes as a view of its data (nothing is copied), so they can go
 * straight to writeFileAtomic.
 */
export function serializeSafetensors(tensors: Iterable<[string, SafetensorsTensor]>, metadata: Record<string, string> = {}): Uint8Array[] {
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>; // a tensor may be named '__proto__'
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`metadata '${k}' must be a string (safetensors metadata is string -> string), got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new SafetensorsError(`'__metadata__' is reserved by the safetensors format and cannot name a tensor`);
    if (Object.prototype.hasOwnProperty.call(header, name)) throw new SafetensorsError(`tensor '${name}' is given twice`);
    const info = DTYPES[t.dtype];
    if (!info) throw new SafetensorsError(`tensor '${name}': unknown dtype '${String(t.dtype)}' (known: ${Object.keys(DTYPES).join(', ')})`);
    if (!info.accepts.some((cls) => t.data instanceof cls)) {
      throw new SafetensorsError(`tensor '${name}': dtype ${t.dtype} needs a ${info.accepts.map((c) => c.name).join(' or ')}, got a ${t.data.constructor.name}`);
    }
    if (!t.shape.every(isNonNegInt) || numel(t.shape) !== t.data.length) {
      throw new SafetensorsError(`tensor '${name}': shape [${t.shape.join(', ')}] holds ${numel(t.shape)} values but the data has ${t.data.length}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
    chunks.push(asBytes(t.data));
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20); // spaces: valid trailing JSON whitespace
  const dv = new DataView(head.buffer);
  dv.setUint32(0, padded, true);
  dv.setUint32(4, Math.floor(padded / 2 ** 32), true);
  head.set(json, 8);
  return [head, ...chunks];
}

/** Writes a safetensors file atomically (see writeFileAtomic). */
export async function writeSafetensors(path: string, tensors: Iterable<[string, SafetensorsTensor]>, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
