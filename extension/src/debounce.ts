/**
 * How long to wait after a keystroke before asking for a suggestion. Fixed: `debounceMs`. Adaptive
 * (as Tabby does): a slow typist's pause between keys is not yet the end of typing, so the wait
 * follows the typing rhythm: 1.5 x the smoothed interval between keystrokes, never below
 * `debounceMs` and never above MAX_ADAPTIVE_MS.
 */
export const MAX_ADAPTIVE_MS = 1000;
/** Intervals longer than this are pauses (reading, thinking), not typing: they do not count. */
export const TYPING_GAP_MS = 2000;
/** Weight of the newest interval in the moving average. */
export const SMOOTHING = 0.3;
export const RHYTHM_FACTOR = 1.5;

export class TypingRhythm {
  private last: number | undefined;
  /** Smoothed interval between keystrokes (ms); undefined until two keystrokes were seen. */
  interval: number | undefined;

  /** Records a keystroke (an edit) at `now` (ms). */
  record(now: number): void {
    if (this.last !== undefined) {
      const gap = now - this.last;
      if (gap >= 0 && gap <= TYPING_GAP_MS) this.interval = this.interval === undefined ? gap : this.interval + SMOOTHING * (gap - this.interval);
    }
    this.last = now;
  }
}

export function debounceDelay(debounceMs: number, adaptive: boolean, typingInterval: number | undefined): number {
  if (!adaptive || typingInterval === undefined) return debounceMs;
  return Math.max(debounceMs, Math.min(MAX_ADAPTIVE_MS, RHYTHM_FACTOR * typingInterval));
}
