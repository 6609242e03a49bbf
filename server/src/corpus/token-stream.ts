/**
 * Token streams for training: a flat file of token ids as unsigned 16-bit little-endian integers
 * (no header, as nanoGPT's train.bin), so a trainer can memory-map it or read any window by
 * offset. Ids must be < 65536, which MAX_VOCAB_SIZE guarantees for our tokenizers.
 *
 * The writer buffers ids and writes into a temporary sibling; close() fsyncs and renames it onto
 * the target, so a reader never sees a half-written stream.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '../util/atomic-write.js';

const BUFFER_TOKENS = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class TokenStreamWriter {
  private readonly buffer = new Uint16Array(BUFFER_TOKENS);
  private fill = 0;
  private written = 0;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly fh: fsp.FileHandle,
  ) {}

  static async open(path: string): Promise<TokenStreamWriter> {
    const tmp = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    return new TokenStreamWriter(path, tmp, await fsp.open(tmp, 'wx'));
  }

  /** Tokens written so far (buffered ones included). */
  get tokens(): number {
    return this.written + this.fill;
  }

  async write(ids: ArrayLike<number>): Promise<void> {
    if (this.closed) throw new Error(`token stream ${this.path} is already closed`);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0 || id > 0xffff) {
        throw new RangeError(`token stream ${this.path}: id ${id} does not fit an unsigned 16-bit integer (vocabulary must be <= 65536)`);
      }
      this.buffer[this.fill++] = id;
      if (this.fill === BUFFER_TOKENS) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.fill === 0) return;
    const view = this.buffer.subarray(0, this.fill);
    const bytes = LITTLE_ENDIAN ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : toLittleEndian(view);
    let done = 0;
    while (done < bytes.length) done += (await this.fh.write(bytes, done, bytes.length - done)).bytesWritten;
    this.written += this.fill;
    this.fill = 0;
  }

  /** Flushes, fsyncs and moves the stream into place. Returns the number of tokens. */
  async close(): Promise<number> {
    if (this.closed) return this.written;
    try {
      await this.flush();
      await this.fh.sync();
    } finally {
      this.closed = true;
      await this.fh.close();
    }
    await fsp.rename(this.tmp, this.path);
    await fsyncDir(dirname(this.path));
    return this.written;
  }

  /** Drops the temporary file (after an error). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    await fsp.rm(this.tmp, { force: true });
  }
}

function toLittleEndian(ids: Uint16Array): Uint8Array {
  const out = new Uint8Array(ids.length * 2);
  for (let i = 0; i < ids.length; i++) {
    out[2 * i] = ids[i]! & 0xff;
    out[2 * i + 1] = ids[i]! >>> 8;
  }
  return out;
}

/** Reads a whole token stream. */
export function readTokenStream(path: string): Uint16Array {
  const bytes = readFileSync(path);
  if (bytes.length % 2 !== 0) {
    throw new Error(`token stream ${path} has an odd number of bytes (${bytes.length}); it is truncated or not a uint16 stream`);
  }
  const out = new Uint16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readUInt16LE(2 * i);
  return out;
}
