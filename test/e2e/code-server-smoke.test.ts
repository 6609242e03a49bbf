// Smoke test of the e2e harness: a real VS Code (code-server) in headless Chromium opens a workspace
// .ts file, takes typed text, and shows ghost text from a throwaway extension. Needs
// `bash scripts/setup-code-server.sh` and Debian's chromium; in CI their absence fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editorText, openFile, randomWord, screenshot, sessionProcesses, skipReason, typeText, waitForGhostText, withSession } from './harness.js';

let skip: string | false = false;
let prerequisiteError: unknown;
try {
  skip = skipReason() ?? false;
} catch (err) {
  prerequisiteError = err; // CI: fail the test below rather than skip it
}

/** An unpacked extension whose inline completion provider always offers `suggestion`. */
function writeGhostExtension(suggestion: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'memoryformer-ghost-ext-'));
  const manifest = {
    name: 'ghost-fixture',
    publisher: 'memoryformer-test',
    version: '0.0.1',
    engines: { vscode: '^1.91.0' },
    activationEvents: ['onStartupFinished'],
    main: './extension.js',
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  writeFileSync(
    join(dir, 'extension.js'),
    `const vscode = require('vscode');
exports.activate = (context) => {
  context.subscriptions.push(vscode.languages.registerInlineCompletionItemProvider({ pattern: '**' }, {
    provideInlineCompletionItems(document, position) {
      return [new vscode.InlineCompletionItem(${JSON.stringify(suggestion)}, new vscode.Range(position, position))];
    },
  }));
  // Activation can land after the typing is over: ask for a suggestion now as well.
  void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
};
`,
  );
  return dir;
}

test('code-server: open a .ts file, type into it, see ghost text from an extension', { skip, timeout: 240_000 }, async () => {
  if (prerequisiteError) throw prerequisiteError;
  const original = `export function ${randomWord('f')}(): number {\n  return ${Math.floor(Math.random() * 1e6)};\n}\n`;
  const typed = `const ${randomWord('v')} = ${Math.floor(Math.random() * 1e6)};`;
  const suggestion = randomWord('ghost');
  const ext = writeGhostExtension(suggestion);
  let sessionDir = '';
  try {
    await withSession('code-server-smoke', { files: { 'src/sample.ts': original }, extensions: [ext] }, async (s) => {
      sessionDir = s.dir;
      const { page } = s;
      await openFile(page, 'src/sample.ts');
      assert.ok((await editorText(page)).includes(original.split('\n')[0]!), 'the file opened in the editor');

      await page.keyboard.press('Control+End');
      await typeText(page, typed);
      await page.waitForFunction(
        (t) => Array.from(document.querySelectorAll('.editor-instance .view-line')).some((e) => (e.textContent ?? '').replace(/\u00a0/g, ' ').includes(t)),
        typed,
        { timeout: 15_000 },
      );
      const text = await editorText(page);
      assert.ok(text.includes(typed), `typed text in the editor; editor shows:\n${text}`);
      assert.ok(text.startsWith(original.split('\n')[0]!), 'the original text is still there');

      const ghost = await waitForGhostText(page);
      assert.equal(ghost, suggestion);
      assert.ok(!(await editorText(page)).includes(suggestion), 'ghost text is a decoration, not document text');
      await screenshot(page, 'code-server-smoke');
    });
  } finally {
    rmSync(ext, { recursive: true, force: true });
  }
  assert.ok(sessionDir, 'the session ran');
  assert.deepEqual(sessionProcesses(sessionDir), [], 'no code-server or Chromium process outlives the session');
});
