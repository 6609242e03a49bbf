/**
 * Decides which completion requests reach the model, so requests never pile up:
 * - one model call runs at a time (the model is one, with one KV cache);
 * - a newer request for the same document supersedes the older one, running or waiting (the
 *   newest wins: the user has moved on);
 * - at most `maxPending` requests wait; past that the oldest waiting one is dropped;
 * - a caller's own AbortSignal (LSP $/cancelRequest) cancels its request.
 * A superseded or cancelled request is answered at once; the slot it held is freed only when the
 * model call has really stopped, so two calls never overlap. A call starts one event-loop turn after
 * it is chosen, so a burst of requests costs one model call, not one per request.
 */

export type JobOutcome<T> =
  | { kind: 'done'; value: T }
  | { kind: 'superseded' }
  | { kind: 'cancelled' }
  | { kind: 'dropped' };

interface Job {
  key: string;
  controller: AbortController;
  run: (signal: AbortSignal) => Promise<unknown>;
  settle: (outcome: JobOutcome<unknown>) => void;
  fail: (error: unknown) => void;
  settled: boolean;
}

export class RequestScheduler {
  private running: Job | undefined;
  private runningDone: Promise<void> | undefined;
  private readonly waiting: Job[] = [];

  constructor(readonly maxPending = 4) {
    if (!(maxPending >= 1)) throw new Error(`maxPending must be >= 1, got ${maxPending}`);
  }

  /** Model calls running (0 or 1) plus waiting. */
  get inFlight(): number {
    return (this.running ? 1 : 0) + this.waiting.length;
  }

  submit<T>(key: string, run: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal): Promise<JobOutcome<T>> {
    return new Promise<JobOutcome<T>>((resolve, reject) => {
      const job: Job = {
        key,
        controller: new AbortController(),
        run,
        settle: (o) => {
          if (job.settled) return;
          job.settled = true;
          resolve(o as JobOutcome<T>);
        },
        fail: (e) => {
          if (job.settled) return;
          job.settled = true;
          reject(e);
        },
        settled: false,
      };
      if (cancel?.aborted) {
        job.settle({ kind: 'cancelled' });
        return;
      }
      cancel?.addEventListener('abort', () => this.abort(job, 'cancelled'), { once: true });

      // The newest request for a document wins.
      if (this.running && this.running.key === key) this.abort(this.running, 'superseded');
      for (const old of this.waiting.filter((j) => j.key === key)) this.abort(old, 'superseded');
      while (this.waiting.length >= this.maxPending) {
        const oldest = this.waiting.shift() as Job;
        oldest.settle({ kind: 'dropped' });
      }
      this.waiting.push(job);
      this.pump();
    });
  }

  /** Aborts everything (shutdown, model switch). */
  abortAll(): void {
    if (this.running) this.abort(this.running, 'cancelled');
    for (const j of [...this.waiting]) this.abort(j, 'cancelled');
  }

  /** Resolves when no model call is running. */
  async idle(): Promise<void> {
    while (this.runningDone) await this.runningDone;
  }

  private abort(job: Job, kind: 'superseded' | 'cancelled'): void {
    const i = this.waiting.indexOf(job);
    if (i >= 0) this.waiting.splice(i, 1);
    job.controller.abort(kind);
    job.settle({ kind });
  }

  private pump(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = job;
    // Start on the next turn of the event loop: requests already received (a burst while typing)
    // get to supersede this one before it costs a model call.
    this.runningDone = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (job.controller.signal.aborted ? undefined : this.runJob(job)))
      .finally(() => {
        this.running = undefined;
        this.runningDone = undefined;
        this.pump();
      });
  }

  private runJob(job: Job): Promise<void> {
    const abortedKind = () => job.controller.signal.reason as 'superseded' | 'cancelled';
    return job.run(job.controller.signal).then(
      (value) => (job.controller.signal.aborted ? job.settle({ kind: abortedKind() }) : job.settle({ kind: 'done', value })),
      (error) => (job.controller.signal.aborted ? job.settle({ kind: abortedKind() }) : job.fail(error)),
    );
  }
}
