/**
 * Helpers for the dashboard browser test: build the page bundle, serve it from 127.0.0.1 exactly as
 * the VS Code host would frame it (webview/src/html.ts, same CSP), and start Debian's Chromium
 * headless with a fresh profile and a stub acquireVsCodeApi.
 */
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { dashboardHtml } from '../../webview/src/html.js';

export const repoRoot = resolve(__dirname, '..', '..');
export const chromiumPath = '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, '.test-artifacts');

export function inCI(): boolean {
  const v = process.env.CI;
  return !!v && v !== 'false' && v !== '0';
}

/** Why the browser test cannot run here (undefined: it can). In CI a missing browser throws instead. */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const text = `Chromium is not at ${chromiumPath}: run \`apt-get install chromium\` (Debian's package)`;
  if (inCI()) throw new Error(`${text} (CI must have it: see .ci/run)`);
  return text;
}

/** Bundles webview/src/main.ts with the options scripts/build.mjs uses, into a private folder. */
export async function buildPage(): Promise<{ js: string; css: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-webview-'));
  await build({
    entryPoints: [join(repoRoot, 'webview/src/main.ts')],
    outfile: join(dir, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
  });
  return { js: readFileSync(join(dir, 'main.js'), 'utf8'), css: readFileSync(join(dir, 'main.css'), 'utf8') };
}

export interface PageServer {
  url: string;
  server: Server;
  /** Paths requested so far. */
  requests: string[];
}

export async function servePage(bundle: { js: string; css: string }): Promise<PageServer> {
  const requests: string[] = [];
  let origin = '';
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const send = (type: string, body: string) => res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (req.url === '/') {
      send('text/html; charset=utf-8', dashboardHtml({ scriptUri: '/main.js', styleUri: '/main.css', cspSource: origin, nonce: randomBytes(16).toString('base64') }));
    } else if (req.url === '/main.js') send('text/javascript; charset=utf-8', bundle.js);
    else if (req.url === '/main.css') send('text/css; charset=utf-8', bundle.css);
    else if (req.url === '/favicon.ico') res.writeHead(204).end(); // the browser asks; a VS Code webview does not
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('no server address');
  origin = `http://127.0.0.1:${addr.port}`;
  return { url: `${origin}/`, server, requests };
}

/**
 * Runs in the page before any of its scripts: a stub of VS Code's webview API that records posted
 * messages and keeps setState in sessionStorage (so a reload plays the part of VS Code recreating a
 * hidden panel), and a recorder of CSP violations.
 */
// Plain JavaScript text, not a TypeScript function: the test's transpiler would add helper calls
// (e.g. __name) that do not exist in the page.
const STUB_VSCODE_API = `
(() => {
  const w = window;
  w.__posted = [];
  w.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    w.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  w.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => w.__posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => {
        const s = sessionStorage.getItem('vscode-state');
        return s === null ? undefined : JSON.parse(s);
      },
      setState: (s) => sessionStorage.setItem('vscode-state', JSON.stringify(s)),
    };
  };
})();
`;

export async function launchBrowser(): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'mf-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1100, height: 900 },
  });
  await context.addInitScript({ content: STUB_VSCODE_API });
  return context;
}

/** VS Code's theme variables for the two themes the test uses (values from Dark Modern / Light Modern). */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616', '--vscode-charts-green': '#89d185',
      '--vscode-charts-purple': '#b180d7', '--vscode-charts-lines': '#cccccc80', '--vscode-widget-border': '#313131',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-badge-background': '#616161',
      '--vscode-badge-foreground': '#f8f8f8', '--vscode-button-secondaryBackground': '#313131', '--vscode-button-secondaryForeground': '#cccccc',
      '--vscode-sideBarSectionHeader-background': '#181818', '--vscode-sideBarTitle-foreground': '#cccccc', '--vscode-progressBar-background': '#0078d4',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171',
      '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#c86f00', '--vscode-charts-green': '#388a34',
      '--vscode-charts-purple': '#652d90', '--vscode-charts-lines': '#3b3b3b80', '--vscode-widget-border': '#e5e5e5',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-badge-background': '#cccccc',
      '--vscode-badge-foreground': '#3b3b3b', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b',
      '--vscode-sideBarSectionHeader-background': '#f8f8f8', '--vscode-sideBarTitle-foreground': '#3b3b3b', '--vscode-progressBar-background': '#005fb8',
    },
  },
} as const;
