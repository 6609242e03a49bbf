/**
 * The dashboard page's HTML, shared by the VS Code panel host (extension/src/dashboard-panel.ts) and
 * the browser test, so both load exactly the same page under exactly the same Content Security Policy.
 * Pure: no vscode import; the host passes webview.asWebviewUri(...) strings and webview.cspSource.
 */

export interface PageOptions {
  /** URI of dist/webview/main.js as the webview may load it (webview.asWebviewUri). */
  scriptUri: string;
  /** URI of dist/webview/main.css. */
  styleUri: string;
  /** webview.cspSource: the origin the webview's own resources come from. */
  cspSource: string;
  /** A fresh random nonce per page load (base64 or hex, at least 16 characters). */
  nonce: string;
}

const NONCE = /^[A-Za-z0-9+/=_-]{16,128}$/;

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * The policy: nothing by default; scripts only with the nonce; styles from the extension's own files
 * (Lit's components use constructable stylesheets, which style-src does not govern, and the charts set
 * element.style through the CSSOM, which CSP allows); images only from data: URLs (chart exports);
 * fonts from the extension (none today). No remote origins, no 'unsafe-inline', no 'unsafe-eval'.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function dashboardHtml(o: PageOptions): string {
  if (!NONCE.test(o.nonce)) throw new Error('dashboardHtml: nonce must be 16-128 base64/hex characters (use crypto.randomBytes(16).toString("base64"))');
  // webview.cspSource is a list of source expressions (code-server: `'self' https://*.vscode-cdn.net`);
  // only characters that could end the directive or the attribute are refused.
  if (/[;,"<>\n]/.test(o.cspSource) || !o.cspSource.trim()) throw new Error(`dashboardHtml: cspSource must be source expressions (webview.cspSource), got '${o.cspSource}'`);
  for (const [k, v] of [['scriptUri', o.scriptUri], ['styleUri', o.styleUri]] as const) {
    if (!v || /["<>\s]/.test(v)) throw new Error(`dashboardHtml: ${k} must be a URI without quotes, brackets or spaces, got '${v}'`);
  }
  const csp = contentSecurityPolicy(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>MemoryFormer performance</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="placeholder">Loading the dashboard…</p></main>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>
`;
}
