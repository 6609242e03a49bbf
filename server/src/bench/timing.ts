/** Timing helpers for benchmark commands (never used in tests: timings are not asserted). */
import { performance } from 'node:perf_hooks';
import os from 'node:os';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Runs fn `warmup` times, then `reps` times, returning per-call times in microseconds.
 * fn receives the repetition index so callers can rotate inputs.
 */
export async function timeCalls(fn: (i: number) => Promise<unknown> | unknown, reps: number, warmup = 3): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push((performance.now() - t0) * 1000);
  }
  return out;
}

/** One line describing the machine, for benchmark records. */
export function machineDescription(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} x${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

export function fmtUs(us: number): string {
  return us >= 10000 ? `${(us / 1000).toFixed(1)} ms` : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`;
}
