/**
 * The architecture invariants of docs/ARCHITECTURE.md, checked by reading every source file's
 * import statements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');

function sources(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name === 'build') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers imported or required by a file. */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
    specs.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  }
  return specs;
}

const all = ['protocol', 'server', 'extension', 'webview', 'test', 'scripts'].flatMap((d) => sources(join(root, d)));
const rel = (f: string) => relative(root, f);

test('the import scanner finds imports (so the checks below can fail)', () => {
  const ort = rel(join(root, 'server/src/engine/ort.ts'));
  assert.ok(all.map(rel).includes(ort));
  assert.ok(imports(join(root, ort)).includes('onnxruntime-node'));
});

test('exactly one module imports onnxruntime-node: server/src/engine/ort.ts', () => {
  const importers = all.filter((f) => imports(f).some((s) => s === 'onnxruntime-node' || s.startsWith('onnxruntime-node/'))).map(rel);
  assert.deepEqual(importers, ['server/src/engine/ort.ts']);
});

test('the model and engine know nothing of LSP or VS Code', () => {
  const engine = all.filter((f) => /^server\/src\/(onnx|model|engine|kernels|train|tokenizer|corpus|eval|pretrain)\//.test(rel(f)));
  assert.ok(engine.length > 10);
  for (const f of engine) {
    for (const s of imports(f)) {
      assert.ok(!/^vscode|\/lsp\/|^\.\.\/lsp|extension\//.test(s), `${rel(f)} imports '${s}'`);
    }
  }
});

test('extension/ never imports the engine (only the protocol)', () => {
  for (const f of all.filter((x) => rel(x).startsWith('extension/'))) {
    for (const s of imports(f)) assert.ok(!/server\/|onnxruntime/.test(s), `${rel(f)} imports '${s}'`);
  }
});

test('protocol/ imports nothing from server/, extension/ or webview/', () => {
  for (const f of all.filter((x) => rel(x).startsWith('protocol/'))) {
    for (const s of imports(f)) assert.ok(!/^\.\.\/(server|extension|webview)/.test(s), `${rel(f)} imports '${s}'`);
  }
});
