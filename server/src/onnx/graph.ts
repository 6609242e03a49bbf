/**
 * A small typed ONNX graph builder. Graphs are recorded as plain node lists (so later passes,
 * such as reverse-mode differentiation, can read and extend them) and encoded to ONNX protobuf
 * bytes only at the end (encode.ts).
 *
 * Values are named strings; the builder hands out unique names. Only the ops the project uses
 * have typed helpers (ops.ts); `node()` takes any op.
 */

export type DType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool' | 'int8' | 'uint8';
export type Dim = number | string;

/** A value flowing through the graph (an input, an initialiser, or a node output). */
export interface Value {
  readonly name: string;
}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

export interface NodeRecord {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  domain?: string;
  name: string;
}

export type TensorData = Float32Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array | Int8Array;

export interface InitializerRecord {
  name: string;
  dtype: DType;
  dims: number[];
  data: TensorData;
}

export interface IoRecord {
  name: string;
  dtype: DType;
  shape?: Dim[];
}

export const OPSET = 17;

export class Graph {
  readonly nodes: NodeRecord[] = [];
  readonly inputs: IoRecord[] = [];
  readonly outputs: IoRecord[] = [];
  readonly initializers: InitializerRecord[] = [];
  private used = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  /** A fresh, unique value name derived from a hint. */
  fresh(hint: string): string {
    let n = hint;
    while (this.used.has(n)) n = `${hint}_${++this.counter}`;
    this.used.add(n);
    return n;
  }

  input(name: string, dtype: DType, shape: Dim[]): Value {
    if (this.used.has(name)) throw new Error(`graph ${this.name}: value name '${name}' is already used`);
    this.used.add(name);
    this.inputs.push({ name, dtype, shape });
    return { name };
  }

  initializer(name: string, dtype: DType, dims: number[], data: TensorData): Value {
    const n = this.fresh(name);
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      throw new Error(`initializer ${name}: ${data.length} values for shape [${dims.join(', ')}] (expected ${expected})`);
    }
    this.initializers.push({ name: n, dtype, dims, data });
    return { name: n };
  }

  /** Appends a node; returns its outputs. */
  node(op: string, inputs: (Value | null)[], attrs: Record<string, AttrValue> = {}, nOutputs = 1, hint?: string, domain?: string): Value[] {
    const base = hint ?? op.toLowerCase();
    const outputs = Array.from({ length: nOutputs }, (_, i) => this.fresh(nOutputs > 1 ? `${base}_o${i}` : base));
    this.nodes.push({
      op,
      // An empty name marks an omitted optional input, as ONNX specifies.
      inputs: inputs.map((v) => (v ? v.name : '')),
      outputs,
      attrs,
      domain,
      name: this.fresh(`n_${base}`),
    });
    return outputs.map((name) => ({ name }));
  }

  output(v: Value, name: string, dtype: DType, shape?: Dim[]): void {
    let src = v;
    if (v.name !== name) {
      // Give the graph output its public name through an Identity node.
      if (this.used.has(name)) throw new Error(`graph ${this.name}: output name '${name}' is already used`);
      this.used.add(name);
      this.nodes.push({ op: 'Identity', inputs: [v.name], outputs: [name], attrs: {}, name: this.fresh(`n_out_${name}`) });
      src = { name };
    }
    this.outputs.push({ name: src.name, dtype, shape });
  }
}
