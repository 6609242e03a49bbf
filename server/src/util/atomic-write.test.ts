import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanStaleTemps, isTempName, writeDirAtomic, writeFileAtomic } from './atomic-write.js';
import { Rng } from './rng.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mf-atomic-'));
}

function randomBytesSeeded(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

/** The pid of a process that has exited (so its temp files count as stale). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

const MODULE_URL = pathToFileURL(join(__dirname, 'atomic-write.ts')).href;

/**
 * Runs `body` in a child process (atomic-write imported as `aw`). The body calls `pause()` at
 * the moment to be interrupted: it prints "paused" and blocks forever, and the parent then kills
 * the child with SIGKILL, so the kill lands at a known point, not at a lucky moment.
 */
async function killMidway(body: string): Promise<void> {
  const script = `
    import awModule from ${JSON.stringify(MODULE_URL)}; // a CommonJS module: its exports are the default
    const aw = awModule;
    import { writeSync } from 'node:fs';
    const pause = () => { writeSync(1, 'paused\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); };
    ${body}
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('paused')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child exited with ${code} before pausing: ${stderr}`));
    });
  });
}

test('writeFileAtomic writes chunks in order, replaces the target and leaves no temp file', async () => {
  const dir = tempDir();
  const target = join(dir, 'model.bin');
  const a = randomBytesSeeded(1000, 1);
  const b = randomBytesSeeded(3333, 2);
  await writeFileAtomic(target, [a, b.subarray(0, 2000), b.subarray(2000)]);
  assert.deepEqual(new Uint8Array(readFileSync(target)), new Uint8Array([...a, ...b]));
  await writeFileAtomic(target, b);
  assert.deepEqual(new Uint8Array(readFileSync(target)), b);
  assert.deepEqual(readdirSync(dir), ['model.bin']);
  await assert.rejects(writeFileAtomic(join(dir, 'missing', 'x.bin'), a), /ENOENT/);
  assert.deepEqual(readdirSync(dir), ['model.bin']);
  rmSync(dir, { recursive: true });
});

test('a writer killed (SIGKILL) while writing a large file leaves the previous file intact', async () => {
  const dir = tempDir();
  const target = join(dir, 'model.safetensors');
  const previous = randomBytesSeeded(100_000, 3);
  writeFileSync(target, previous);
  // 3 chunks of 8 MB reach the disk, then the writer is killed before the 4th.
  await killMidway(`
    const chunk = new Uint8Array(8 << 20).fill(7);
    const chunks = new Proxy([chunk, chunk, chunk, chunk, chunk], {
      get(t, p) { if (p === '3') pause(); return Reflect.get(t, p); },
    });
    await aw.writeFileAtomic(${JSON.stringify(target)}, chunks);
  `);
  assert.deepEqual(new Uint8Array(readFileSync(target)), previous, 'the previous file must be untouched');
  const temps = readdirSync(dir).filter((n) => n !== 'model.safetensors');
  assert.equal(temps.length, 1, `one partial temp file expected, found ${temps.join(', ')}`);
  assert.ok(isTempName(temps[0]!), `${temps[0]} must carry a temp name that loaders ignore`);
  assert.equal(readFileSync(join(dir, temps[0]!)).length, 3 * (8 << 20), 'the kill landed mid-write');
  const report = await cleanStaleTemps(dir);
  assert.deepEqual(report.removed, [join(dir, temps[0]!)]);
  assert.deepEqual(readdirSync(dir), ['model.safetensors']);
  rmSync(dir, { recursive: true });
});

test('writeDirAtomic swaps a whole directory, keeping files it did not write', async () => {
  const parent = tempDir();
  const dir = join(parent, 'model');
  mkdirSync(dir);
  writeFileSync(join(dir, 'a.bin'), 'old a');
  writeFileSync(join(dir, 'notes.txt'), 'kept');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'x'), 'kept too');
  await writeDirAtomic(dir, async (tmp) => {
    assert.ok(isTempName(tmp.slice(parent.length + 1)));
    writeFileSync(join(tmp, 'a.bin'), 'new a');
    writeFileSync(join(tmp, 'b.bin'), 'new b');
  });
  assert.equal(readFileSync(join(dir, 'a.bin'), 'utf8'), 'new a');
  assert.equal(readFileSync(join(dir, 'b.bin'), 'utf8'), 'new b');
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'kept');
  assert.equal(readFileSync(join(dir, 'sub', 'x'), 'utf8'), 'kept too');
  assert.deepEqual(readdirSync(parent), ['model'], 'no temp or old directory left');

  // A failing fill leaves the previous directory as it was.
  await assert.rejects(
    writeDirAtomic(dir, async (tmp) => {
      writeFileSync(join(tmp, 'a.bin'), 'half-written');
      throw new Error('disk full');
    }),
    /disk full/,
  );
  assert.equal(readFileSync(join(dir, 'a.bin'), 'utf8'), 'new a');
  assert.deepEqual(readdirSync(parent), ['model']);

  // First save into a directory that does not exist yet (parents created).
  const fresh = join(parent, 'deep', 'fresh');
  await writeDirAtomic(fresh, async (tmp) => writeFileSync(join(tmp, 'c'), 'c'));
  assert.equal(readFileSync(join(fresh, 'c'), 'utf8'), 'c');
  rmSync(parent, { recursive: true });
});

test('a writer killed while filling a directory leaves the previous directory usable', async () => {
  const parent = tempDir();
  const dir = join(parent, 'model');
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), '{"old":true}');
  await killMidway(`
    import { writeFileSync } from 'node:fs';
    await aw.writeDirAtomic(${JSON.stringify(dir)}, async (tmp) => {
      writeFileSync(tmp + '/config.json', '{"new":true}');
      pause();
    });
  `);
  assert.equal(readFileSync(join(dir, 'config.json'), 'utf8'), '{"old":true}');
  const left = readdirSync(parent).filter((n) => n !== 'model');
  assert.equal(left.length, 1);
  assert.ok(isTempName(left[0]!));
  await cleanStaleTemps(parent);
  assert.deepEqual(readdirSync(parent), ['model']);
  rmSync(parent, { recursive: true });
});

test('cleanStaleTemps restores an old directory orphaned between the two renames, and spares live writers', async () => {
  const parent = tempDir();
  const pid = deadPid();
  // Killed between "dir -> old" and "tmp -> dir": the old model sits under its .old- name, the
  // new one (complete) under .tmp-; the last complete saved model comes back under the real name.
  mkdirSync(join(parent, `model.old-${pid}-0badc0de`));
  writeFileSync(join(parent, `model.old-${pid}-0badc0de`, 'config.json'), 'old');
  mkdirSync(join(parent, `model.tmp-${pid}-12345678`));
  // A stale file temp, and one of a live writer (this process) that must stay.
  writeFileSync(join(parent, `x.json.tmp-${pid}-abcdef01`), 'partial');
  writeFileSync(join(parent, `y.json.tmp-${process.pid}-abcdef02`), 'in progress');
  writeFileSync(join(parent, 'unrelated.tmp-1-xyz'), 'not ours');
  const report = await cleanStaleTemps(parent);
  assert.deepEqual(report.restored, [join(parent, 'model')]);
  assert.equal(readFileSync(join(parent, 'model', 'config.json'), 'utf8'), 'old');
  assert.deepEqual(readdirSync(parent).sort(), ['model', 'unrelated.tmp-1-xyz', `y.json.tmp-${process.pid}-abcdef02`].sort());
  // With the original present, a stale .old- is just removed.
  mkdirSync(join(parent, `model.old-${pid}-00000001`));
  await cleanStaleTemps(parent);
  assert.ok(!existsSync(join(parent, `model.old-${pid}-00000001`)));
  assert.deepEqual(await cleanStaleTemps(join(parent, 'does-not-exist')), { removed: [], restored: [] });
  rmSync(parent, { recursive: true });
});
