/**
 * The token stream a fine-tune trains on, laid out for the trainer's WindowLoader (fixed windows
 * of `seq` tokens; the LAST windows are its validation set):
 *
 *   [ workspace train windows | replay windows | held-out windows ]
 *
 * - Workspace training files are encoded as in pretraining (corpus/fim-document.ts: half the
 *   documents in SPM fill-in-the-middle form, each ending with <|endoftext|>). A small workspace
 *   is encoded several times, each pass with other FIM cut points, so repeated epochs do not show
 *   the model the same examples.
 * - Replay: windows of the pretraining token stream (a share of the training windows), so the
 *   model keeps what it knew (Robins 1995, "rehearsal"; the standard defence against catastrophic
 *   forgetting when fine-tuning language models). The loader shuffles all training windows, so
 *   appending them mixes them in.
 * - Held-out files, encoded the same way, are the validation windows (early stopping).
 */
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { encodeDocument, DEFAULT_FIM_RATE } from '../corpus/fim-document.js';
import { Rng } from '../util/rng.js';

export interface ExampleOptions {
  seq: number;
  seed: number;
  fimRate?: number;
  /** Pretraining tokens to mix in, or undefined for none. */
  replay?: ArrayLike<number>;
  /** Replay windows as a share of all training windows (0..0.9). */
  replayShare?: number;
  /** Encode the workspace up to this many passes while it stays under targetTokens. */
  maxPasses?: number;
  targetTokens?: number;
}

export interface TokenLayout {
  tokens: Int32Array;
  /** valFraction to give the trainer so that exactly the held-out windows are validation. */
  valFraction: number;
  workspaceWindows: number;
  replayWindows: number;
  heldOutWindows: number;
  /** Tokens of one encoding pass of the training files, and passes made. */
  workspaceTokens: number;
  passes: number;
  heldOutTokens: number;
}

function encodeAll(tokenizer: Tokenizer, texts: readonly string[], rng: Rng, fimRate: number, into: number[]): void {
  const enc = new TextEncoder();
  const order = rng.shuffle(texts.map((_, i) => i));
  for (const i of order) for (const id of encodeDocument(tokenizer, enc.encode(texts[i]!), rng, fimRate)) into.push(id);
}

export function buildTokenLayout(tokenizer: Tokenizer, train: readonly string[], heldOut: readonly string[], o: ExampleOptions): TokenLayout {
  const fimRate = o.fimRate ?? DEFAULT_FIM_RATE;
  const rng = new Rng(o.seed);
  const ws: number[] = [];
  encodeAll(tokenizer, train, rng, fimRate, ws);
  const onePass = ws.length;
  const passes = Math.max(1, Math.min(o.maxPasses ?? 4, Math.floor((o.targetTokens ?? 2_000_000) / Math.max(1, onePass))));
  for (let p = 1; p < passes; p++) encodeAll(tokenizer, train, rng, fimRate, ws);
  const workspaceWindows = Math.floor(ws.length / o.seq);
  if (workspaceWindows < 1) {
    throw new Error(`the training files hold ${onePass} tokens, fewer than one training window of ${o.seq} tokens; add code to the workspace (or lower the sequence length)`);
  }
  const held: number[] = [];
  encodeAll(tokenizer, heldOut, new Rng(o.seed + 1), fimRate, held);
  if (held.length === 0) throw new Error('the held-out files encode to no tokens');
  // At least one full validation window (+1 for the last target): repeat a tiny held-out set.
  while (held.length < o.seq + 1) held.push(...held.slice(0, o.seq + 1 - held.length));

  let replayWindows = 0;
  const share = o.replayShare ?? 0;
  const replay = o.replay;
  if (replay && share > 0 && replay.length > o.seq) {
    if (!(share < 0.9)) throw new RangeError(`replay share must be below 0.9, got ${share}`);
    replayWindows = Math.max(1, Math.round((workspaceWindows * share) / (1 - share)));
  }
  const heldOutWindows = Math.floor(held.length / o.seq);
  const trainLen = (workspaceWindows + replayWindows) * o.seq;
  const tokens = new Int32Array(trainLen + heldOutWindows * o.seq + 1);
  tokens.set(ws.slice(0, workspaceWindows * o.seq), 0);
  const rr = new Rng(o.seed + 2);
  for (let w = 0; w < replayWindows; w++) {
    const start = rr.int(replay!.length - o.seq);
    const dst = (workspaceWindows + w) * o.seq;
    for (let i = 0; i < o.seq; i++) tokens[dst + i] = replay![start + i]!;
  }
  tokens.set(held.slice(0, heldOutWindows * o.seq + 1), trainLen);
  const windows = workspaceWindows + replayWindows + heldOutWindows;
  // WindowLoader holds out ceil(windows * valFraction): aim half a window low so rounding lands exactly.
  const valFraction = (heldOutWindows - 0.5) / windows;
  return { tokens, valFraction, workspaceWindows, replayWindows, heldOutWindows, workspaceTokens: onePass, passes, heldOutTokens: held.length };
}
