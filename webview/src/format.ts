/**
 * How the dashboard writes numbers. One rule per kind of figure, so the page is consistent and the
 * browser test can restate each rule independently.
 */

const SI = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** Decimal SI with two decimals: 69206016 -> "69.21 M". Used for FLOPs and parameter counts. */
export function si(n: number): string {
  for (const [scale, unit] of SI) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(2)} ${unit}`;
  return n.toFixed(0);
}

/** FLOPs in SI units: 69206016 -> "69.21 MFLOP". */
export const flops = (n: number): string => (Math.abs(n) >= 1e3 ? `${si(n)}FLOP` : `${n.toFixed(0)} FLOP`);

const BINARY = [
  [2 ** 40, 'TiB'],
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
] as const;

/** Binary units with one decimal: 33554432 -> "32.0 MiB". */
export function bytes(n: number): string {
  for (const [scale, unit] of BINARY) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(1)} ${unit}`;
  return `${n.toFixed(0)} B`;
}

/** Percent with one decimal; `fraction` 0..1 or already a percentage. */
export const percent = (p: number): string => `${p.toFixed(1)}%`;
export const fractionPercent = (f: number): string => percent(100 * f);

export const ms = (n: number): string => `${n.toFixed(2)} ms`;

export const rate = (n: number): string => n.toFixed(1);

export const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Seconds as h:mm:ss or m:ss. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export const ratio = (r: number): string => `${r.toFixed(1)}×`;
