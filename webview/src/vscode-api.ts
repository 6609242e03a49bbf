/**
 * The webview's handle on VS Code: postMessage to the extension and a per-panel saved state.
 * acquireVsCodeApi may be called only once per page, so this module calls it once and shares it.
 */
import type { WebviewToExtension } from '../../protocol/webview.js';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface Host {
  post(message: WebviewToExtension): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export function connectHost(): Host {
  if (typeof acquireVsCodeApi !== 'function') {
    throw new Error('acquireVsCodeApi is missing: this page runs only inside a VS Code webview (or a test that stubs it)');
  }
  const api = acquireVsCodeApi();
  return {
    post: (m) => api.postMessage(m),
    getState: () => api.getState(),
    setState: (s) => api.setState(s),
  };
}
