import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { contentSecurityPolicy, dashboardHtml } from './html.js';

const opts = () => ({
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css',
  cspSource: 'https://*.vscode-cdn.net',
  nonce: randomBytes(16).toString('base64'),
});

function cspOf(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(m, 'the page carries a CSP meta tag');
  return new Map(m[1]!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
}

test('the page loads its one script with the nonce and its stylesheet; the CSP allows nothing else', () => {
  const o = opts();
  const html = dashboardHtml(o);
  const csp = cspOf(html);
  assert.deepEqual(csp.get('default-src'), ["'none'"]);
  assert.deepEqual(csp.get('script-src'), [`'nonce-${o.nonce}'`]);
  assert.deepEqual(csp.get('style-src'), [o.cspSource]);
  assert.deepEqual(csp.get('img-src'), [o.cspSource, 'data:']);
  assert.ok(!html.includes('unsafe-inline') && !html.includes('unsafe-eval'));
  assert.ok(html.includes(`<script nonce="${o.nonce}" src="${o.scriptUri}"></script>`));
  assert.ok(html.includes(`<link rel="stylesheet" href="${o.styleUri}">`));
  // No inline handlers or inline styles anywhere.
  assert.ok(!/\son[a-z]+=/i.test(html) && !/\sstyle=/i.test(html));
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('each load gets its own nonce; a bad nonce, cspSource or URI is refused with a clear error', () => {
  const a = opts();
  const b = opts();
  assert.notEqual(cspOf(dashboardHtml(a)).get('script-src')![0], cspOf(dashboardHtml(b)).get('script-src')![0]);
  assert.throws(() => dashboardHtml({ ...a, nonce: 'short' }), /nonce/);
  assert.throws(() => dashboardHtml({ ...a, nonce: "x'; script-src *; '0123456789" }), /nonce/);
  assert.throws(() => dashboardHtml({ ...a, cspSource: "https://a; script-src 'unsafe-inline'" }), /cspSource/);
  assert.throws(() => dashboardHtml({ ...a, scriptUri: 'x"><script>alert(1)</script>' }), /scriptUri/);
  assert.match(contentSecurityPolicy('vscode-webview:', 'n'.repeat(16)), /^default-src 'none'; script-src 'nonce-n{16}'/);
});
