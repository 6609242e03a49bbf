import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateExtensionMessage, validateFlopsReport, validateWebviewMessage } from './webview.js';

const fixtures = join(__dirname, '..', 'test', 'webview', 'fixtures');
const stats = JSON.parse(readFileSync(join(fixtures, 'stats-code-mini.json'), 'utf8'));
const flops = JSON.parse(readFileSync(join(fixtures, 'flops-paper-tiny-2048.json'), 'utf8'));

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Path = (string | number)[];

/** Paths of all numeric leaves under `v`. */
function numericLeaves(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (typeof v === 'number') out.push(path);
  else if (Array.isArray(v)) v.forEach((x, i) => numericLeaves(x, [...path, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (!k.startsWith('_')) numericLeaves(x, [...path, k], out);
  return out;
}

function withValue<T>(v: T, path: Path, value: unknown): T {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (value === undefined) delete o[path[path.length - 1]!];
  else o[path[path.length - 1]!] = value;
  return copy as T;
}

const statsMessage = { ...stats, type: 'stats' };
const flopsMessage = { type: 'flops', report: flops };

test('recorded messages are accepted', () => {
  assert.deepEqual(validateExtensionMessage(statsMessage), { ok: true, message: statsMessage });
  assert.equal(validateExtensionMessage(flopsMessage).ok, true);
  assert.equal(validateFlopsReport(flops), undefined);
  for (const m of [
    { type: 'theme', kind: 'high-contrast-light' },
    { type: 'exported', requestId: 'export-1', ok: false, message: 'cancelled' },
    { type: 'fineTuneProgress', progress: { runId: 'r', step: 3, totalSteps: 10, trainLoss: 2.5, tokensPerSecond: 900, elapsedMs: 3000 } },
    { type: 'fineTuneReport', report: { runId: 'r', steps: 10, durationMs: 1, trainedTokens: 5, before: { validLoss: 3, perplexity: 20 }, after: { validLoss: 2, perplexity: 7.4, exactMatch: 0.2 } } },
  ]) assert.equal(validateExtensionMessage(m).ok, true, JSON.stringify(m));
});

test('every number of a stats message is checked: a random one made wrong is rejected, naming its path', () => {
  const r = mulberry32(1);
  const leaves = numericLeaves(statsMessage);
  assert.ok(leaves.length > 60);
  const bad = ['12', NaN, Infinity, -1, null, undefined, {}];
  for (let k = 0; k < 300; k++) {
    const path = leaves[Math.floor(r() * leaves.length)]!;
    const value = bad[Math.floor(r() * bad.length)];
    // Optional fields may be absent; everything else must be present.
    if (value === undefined && (path.includes('latencySamplesMs') || path.includes('layerTimes') || path.includes('profile'))) continue;
    const res = validateExtensionMessage(withValue(statsMessage, path, value));
    assert.equal(res.ok, false, `${path.join('.')} = ${String(value)} was accepted`);
    if (!res.ok) assert.ok(res.error.includes(String(path[path.length - 1])), `${res.error} names ${path.join('.')}`);
  }
});

test('the FLOPs figures the page shows are checked', () => {
  const r = mulberry32(2);
  const read: Path[] = [['seqLen'], ['savingPercent', 'model', 'paperFlops'], ['savingPercent', 'perBlock', 'detailed', 'total']];
  for (const side of ['memoryformer', 'dense']) {
    read.push([side, 'total', 'paperFlops'], [side, 'total', 'detailedFlops'], [side, 'total', 'params'], [side, 'blocks', 'count'],
      [side, 'perBlock', 'paper', 'withoutAttention'], [side, 'perBlock', 'detailed', 'total'], [side, 'blocks', 'weightBytes', 'fp16'],
      [side, 'config', 'tau']);
    for (let i = 0; i < flops[side].perBlock.layers.length; i++) {
      read.push([side, 'perBlock', 'layers', i, 'flops'], [side, 'perBlock', 'layers', i, 'bytes', 'fp32'], [side, 'perBlock', 'layers', i, 'weights']);
    }
  }
  for (const path of read) {
    const value = ['x', NaN, undefined, [], -Infinity][Math.floor(r() * 5)];
    const res = validateExtensionMessage(withValue(flopsMessage, ['report', ...path], value));
    assert.equal(res.ok, false, `${path.join('.')} = ${String(value)} was accepted`);
  }
  assert.equal(validateExtensionMessage(withValue(flopsMessage, ['report', 'memoryformer', 'perBlock', 'layers', 0, 'kind'], 'sparse')).ok, false);
  assert.equal(validateExtensionMessage(withValue(flopsMessage, ['report', 'preset'], null)).ok, true, 'preset may be null');
});

test('random junk never throws and is never accepted', () => {
  const r = mulberry32(3);
  const atoms = [null, undefined, 0, -1, NaN, '', 'stats', true, [], {}];
  const junk = (depth: number): unknown => {
    if (depth > 3 || r() < 0.3) return atoms[Math.floor(r() * atoms.length)];
    if (r() < 0.3) return Array.from({ length: Math.floor(r() * 4) }, () => junk(depth + 1));
    const o: Record<string, unknown> = {};
    for (const k of ['type', 'stats', 'report', 'progress', 'kind', 'requestId', 'ok']) if (r() < 0.5) o[k] = junk(depth + 1);
    if (r() < 0.7) o.type = ['stats', 'flops', 'fineTuneProgress', 'fineTuneReport', 'theme', 'exported', 'x'][Math.floor(r() * 7)];
    return o;
  };
  for (let k = 0; k < 2000; k++) {
    const v = junk(0);
    assert.equal(validateExtensionMessage(v).ok, false, JSON.stringify(v));
  }
});

test('messages from the page: exports must carry a plain file name and content of the named format', () => {
  const png = { type: 'export', requestId: 'e1', format: 'png', suggestedName: 'memoryformer-flops.png', content: 'data:image/png;base64,iVBORw0KGgo=' };
  assert.equal(validateWebviewMessage(png).ok, true);
  assert.equal(validateWebviewMessage({ type: 'ready' }).ok, true);
  assert.equal(validateWebviewMessage({ type: 'refresh' }).ok, true);
  for (const [field, value, why] of [
    ['suggestedName', '../../.bashrc', /plain file name/],
    ['suggestedName', '/etc/passwd', /plain file name/],
    ['suggestedName', '', /plain file name/],
    ['content', 'data:text/html;base64,PGgxPg==', /png/],
    ['format', 'exe', /one of json, png, svg/],
    ['requestId', 7, /requestId/],
  ] as const) {
    const res = validateWebviewMessage({ ...png, [field]: value });
    assert.equal(res.ok, false, `${field}=${value}`);
    if (!res.ok) assert.match(res.error, why);
  }
  assert.equal(validateWebviewMessage({ ...png, format: 'svg', content: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' }).ok, true);
  assert.equal(validateWebviewMessage({ ...png, format: 'svg', content: '<script>' }).ok, false);
  assert.match((validateWebviewMessage({ type: 'delete' }) as { error: string }).error, /unknown .* "delete" .*known: ready, refresh, export/);
});
