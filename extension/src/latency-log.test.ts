import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyLog } from './latency-log.js';

test('readers get each sample once, oldest first, and only the last `capacity` of them', () => {
  for (let trial = 0; trial < 50; trial++) {
    const capacity = 1 + Math.floor(Math.random() * 20);
    const log = new LatencyLog(capacity);
    const all: number[] = [];
    const readers = [{ cursor: log.oldestCursor(), got: [] as number[], lastRead: 0 }];
    for (let step = 0; step < 200; step++) {
      const r = Math.random();
      if (r < 0.6) {
        const ms = Math.random() * 500;
        log.record(ms);
        all.push(ms);
      } else if (r < 0.95) {
        const reader = readers[Math.floor(Math.random() * readers.length)]!;
        const { samples, cursor } = log.since(reader.cursor);
        // Reference: what was recorded since the last read, less what fell out of the ring.
        const fresh = all.slice(Math.max(reader.lastRead, all.length - capacity));
        assert.deepEqual(samples, fresh);
        reader.got.push(...samples);
        reader.cursor = cursor;
        reader.lastRead = all.length;
      } else {
        // A new reader (a new panel) starts with what is still kept.
        readers.push({ cursor: log.oldestCursor(), got: [], lastRead: Math.max(0, all.length - capacity) });
      }
    }
  }
});

test('non-finite or negative latencies are not recorded; a bad capacity is an error', () => {
  const log = new LatencyLog(4);
  log.record(Number.NaN);
  log.record(-1);
  log.record(Infinity);
  const x = Math.random() * 100;
  log.record(x);
  assert.deepEqual(log.since(0).samples, [x]);
  assert.throws(() => new LatencyLog(0), /positive integer/);
});
