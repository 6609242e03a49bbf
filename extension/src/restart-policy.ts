/**
 * When to restart a server that died: at most `maxRestarts` times within `windowMs` (Tabby restarts
 * its model server up to 5 times); past that a crash loop is assumed, and the user is told instead.
 */
export interface RestartPolicyOptions {
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({ maxRestarts: 5, windowMs: 3 * 60_000 });

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** Records a crash at `now` (ms); true when the server should be restarted. */
  onCrash(now: number): boolean {
    this.crashes = this.crashes.filter((t) => now - t < this.options.windowMs);
    this.crashes.push(now);
    return this.crashes.length <= this.options.maxRestarts;
  }

  /** Crashes counted in the current window. */
  get recentCrashes(): number {
    return this.crashes.length;
  }

  /** A manual restart (or a clean start) forgives earlier crashes. */
  reset(): void {
    this.crashes = [];
  }
}
