/**
 * Train / held-out split of a workspace by FILE (a file's text never lands on both sides), from a
 * stable hash of its workspace-relative path: a file keeps its side from run to run as the
 * workspace changes, so "before" and "after" scores of later runs stay comparable.
 */
import { stableUnit } from '../corpus/split.js';

export const DEFAULT_HELD_OUT_FRACTION = 0.1;

export interface WorkspaceSplit<T> {
  train: T[];
  heldOut: T[];
}

/** Needs at least two files; holds out at least one and keeps at least one for training. */
export function splitWorkspace<T extends { rel: string }>(files: readonly T[], fraction = DEFAULT_HELD_OUT_FRACTION): WorkspaceSplit<T> {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`held-out fraction must be in (0, 1), got ${fraction}`);
  if (files.length < 2) {
    throw new Error(`fine-tuning needs at least 2 code files (one to train on, one held out to check the result), found ${files.length}`);
  }
  const keyed = files.map((f) => ({ f, u: stableUnit(`finetune/${f.rel}`) }));
  let heldOut = keyed.filter((k) => k.u < fraction);
  let train = keyed.filter((k) => k.u >= fraction);
  if (heldOut.length === 0) {
    // The file with the smallest hash: stable, and the one that would be held out first anyway.
    const first = keyed.reduce((a, b) => (b.u < a.u ? b : a));
    heldOut = [first];
    train = keyed.filter((k) => k !== first);
  } else if (train.length === 0) {
    const last = keyed.reduce((a, b) => (b.u > a.u ? b : a));
    train = [last];
    heldOut = keyed.filter((k) => k !== last);
  }
  return { train: train.map((k) => k.f), heldOut: heldOut.map((k) => k.f) };
}
