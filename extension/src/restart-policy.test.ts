import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartPolicy } from './restart-policy.js';

test('a crash restarts the server while at most maxRestarts crashes fall within the window', () => {
  for (let trial = 0; trial < 200; trial++) {
    const maxRestarts = 1 + Math.floor(Math.random() * 6);
    const windowMs = 1000 + Math.floor(Math.random() * 100_000);
    const policy = new RestartPolicy({ maxRestarts, windowMs });
    const crashes: number[] = [];
    let t = Math.random() * 1e9;
    for (let i = 0; i < 40; i++) {
      t += Math.random() * windowMs * 0.6;
      crashes.push(t);
      // Reference: count the crashes in (t - windowMs, t] by brute force.
      const inWindow = crashes.filter((c) => t - c < windowMs).length;
      assert.equal(policy.onCrash(t), inWindow <= maxRestarts, `trial ${trial}, crash ${i}`);
      assert.equal(policy.recentCrashes, inWindow);
    }
  }
});

test('reset forgives earlier crashes', () => {
  const policy = new RestartPolicy({ maxRestarts: 2, windowMs: 60_000 });
  const t0 = Math.random() * 1e6;
  assert.equal(policy.onCrash(t0), true);
  assert.equal(policy.onCrash(t0 + 1), true);
  assert.equal(policy.onCrash(t0 + 2), false);
  policy.reset();
  assert.equal(policy.onCrash(t0 + 3), true);
  assert.equal(policy.recentCrashes, 1);
});
