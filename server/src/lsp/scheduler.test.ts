import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { RequestScheduler, type JobOutcome } from './scheduler.js';

/** A fake model call that finishes when the test says so, or stops when aborted. */
function controllable() {
  let running = 0;
  let maxRunning = 0;
  const finishers: (() => void)[] = [];
  const run = (id: number) => (signal: AbortSignal) =>
    new Promise<number>((resolve) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const done = () => {
        running--;
        resolve(id);
      };
      // An aborted call stops "between tokens": a tick later, not at once.
      signal.addEventListener('abort', () => setImmediate(done), { once: true });
      finishers.push(() => {
        if (!signal.aborted) done();
      });
    });
  return { run, finishers, get maxRunning() { return maxRunning; } };
}

test('a newer request for the same document supersedes the older; the newest is answered', async () => {
  const s = new RequestScheduler(4);
  const c = controllable();
  const first = s.submit('doc', c.run(1));
  const second = s.submit('doc', c.run(2));
  assert.deepEqual(await first, { kind: 'superseded' });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  c.finishers.at(-1)?.();
  assert.deepEqual(await second, { kind: 'done', value: 2 });
  assert.equal(c.maxRunning, 1);
});

test('the caller\'s AbortSignal cancels its request', async () => {
  const s = new RequestScheduler(4);
  const c = controllable();
  const ac = new AbortController();
  const p = s.submit('doc', c.run(1), ac.signal);
  ac.abort();
  assert.deepEqual(await p, { kind: 'cancelled' });
  await s.idle();
  assert.equal(s.inFlight, 0);
});

test('random bursts over several documents: one call at a time, bounded queue, the newest per document answered', async () => {
  const rng = new Rng(21);
  for (let trial = 0; trial < 20; trial++) {
    const s = new RequestScheduler(3);
    const c = controllable();
    const results: { doc: string; id: number; p: Promise<JobOutcome<number>> }[] = [];
    for (let i = 0; i < 40; i++) {
      const doc = `d${rng.nextU32() % 4}`;
      results.push({ doc, id: i, p: s.submit(doc, c.run(i)) });
      assert.ok(s.inFlight <= 1 + 3, 'at most one running and maxPending waiting');
      if (rng.nextU32() % 3 === 0) c.finishers.at(-1)?.();
    }
    // Let everything still running finish.
    while (s.inFlight > 0) {
      for (const f of c.finishers) f();
      await new Promise((r) => setImmediate(r));
    }
    const outcomes = await Promise.all(results.map((r) => r.p));
    assert.equal(c.maxRunning, 1);
    const lastPerDoc = new Map(results.map((r) => [r.doc, r.id]));
    for (const [i, o] of outcomes.entries()) {
      const r = results[i] as (typeof results)[number];
      if (o.kind === 'done') assert.equal(o.value, r.id);
      // Any request that is not the last for its document was superseded, dropped or already done.
      if (lastPerDoc.get(r.doc) !== r.id) assert.notEqual(o.kind, 'cancelled');
    }
    // The very last request overall was never dropped or superseded.
    assert.equal((outcomes.at(-1) as JobOutcome<number>).kind, 'done');
  }
});
