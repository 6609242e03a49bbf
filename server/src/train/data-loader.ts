/**
 * Fixed-length windows over a token stream: window w covers tokens [w*seq, w*seq + seq], i.e.
 * seq inputs and the seq next-token targets. The last `valFraction` of the windows (the end of
 * the stream, so no validation text leaks into training windows) is held out.
 *
 * Training windows are visited in a shuffled order, reshuffled each epoch by a seeded RNG; the
 * loader's state (epoch, position, RNG state at the start of the epoch) is saved in checkpoints,
 * so a resumed run sees exactly the batches the uninterrupted run would have seen.
 */
import { Rng } from '../util/rng.js';

export interface LoaderState {
  epoch: number;
  /** Next window within the epoch's order. */
  cursor: number;
  /** RNG state before this epoch's shuffle. */
  rng: number[];
}

export interface Batch {
  ids: Int32Array;
  targets: Int32Array;
}

export class WindowLoader {
  readonly trainWindows: number;
  readonly valWindows: number;
  private order: Uint32Array = new Uint32Array(0);
  private epochRng: Uint32Array;
  private rng: Rng;
  private epoch = 0;
  private cursor = 0;

  constructor(private readonly tokens: Int32Array, readonly seq: number, valFraction: number, seed: number) {
    const windows = Math.floor((tokens.length - 1) / seq);
    const val = valFraction > 0 ? Math.max(1, Math.ceil(windows * valFraction)) : 0;
    if (windows - val < 1) {
      throw new Error(`the corpus has ${tokens.length} tokens: too few for one training window of ${seq + 1} tokens${val ? ' plus a validation window' : ''}; add text or lower --seq`);
    }
    this.trainWindows = windows - val;
    this.valWindows = val;
    this.rng = new Rng(seed);
    this.epochRng = this.rng.state();
    this.shuffle();
  }

  private shuffle(): void {
    this.epochRng = this.rng.state();
    const idx = Array.from({ length: this.trainWindows }, (_, i) => i);
    this.order = Uint32Array.from(this.rng.shuffle(idx));
  }

  private fill(window: number, ids: Int32Array, targets: Int32Array, row: number): void {
    const start = window * this.seq;
    ids.set(this.tokens.subarray(start, start + this.seq), row * this.seq);
    targets.set(this.tokens.subarray(start + 1, start + 1 + this.seq), row * this.seq);
  }

  /** The next B training windows (wrapping into a new, reshuffled epoch). */
  next(B: number): Batch {
    const ids = new Int32Array(B * this.seq);
    const targets = new Int32Array(B * this.seq);
    for (let b = 0; b < B; b++) {
      if (this.cursor >= this.trainWindows) {
        this.epoch += 1;
        this.cursor = 0;
        this.shuffle();
      }
      this.fill(this.order[this.cursor++]!, ids, targets, b);
    }
    return { ids, targets };
  }

  /** Validation batch i (deterministic; cycles over the held-out windows). */
  validation(B: number, i: number): Batch {
    if (!this.valWindows) throw new Error('no validation windows (valFraction is 0)');
    const ids = new Int32Array(B * this.seq);
    const targets = new Int32Array(B * this.seq);
    for (let b = 0; b < B; b++) this.fill(this.trainWindows + ((i * B + b) % this.valWindows), ids, targets, b);
    return { ids, targets };
  }

  state(): LoaderState {
    return { epoch: this.epoch, cursor: this.cursor, rng: [...this.epochRng] };
  }

  restore(s: LoaderState): void {
    if (!Number.isInteger(s.epoch) || !Number.isInteger(s.cursor) || s.cursor < 0 || s.cursor > this.trainWindows || s.rng.length !== 4) {
      throw new Error(`data-loader state ${JSON.stringify(s)} does not fit this corpus (${this.trainWindows} training windows of ${this.seq} tokens): was the checkpoint made with other data or --seq?`);
    }
    this.rng = new Rng(Uint32Array.from(s.rng));
    this.shuffle();
    this.epoch = s.epoch;
    this.cursor = s.cursor;
  }
}
