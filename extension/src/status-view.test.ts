import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerState } from '../../protocol/lsp.js';
import { statusView, type StatusInput } from './status-view.js';

const SERVER_STATES: (ServerState | undefined)[] = [undefined, 'loading', 'ready', 'busy', 'fine-tuning', 'error'];

/** Reference: the state table written out case by case. */
function expectedState(s: StatusInput): string {
  if (s.failed) return 'error';
  if (!s.running || s.server === undefined || s.server === 'loading') return 'starting';
  if (s.server === 'error') return 'error';
  if (s.server === 'fine-tuning') return 'fine-tuning';
  if (s.disabled) return 'disabled';
  return s.server === 'busy' ? 'working' : 'ready';
}

test('every combination of server and client state maps to the state the user sees, named in the accessible label', () => {
  for (let trial = 0; trial < 500; trial++) {
    const s: StatusInput = {
      server: SERVER_STATES[Math.floor(Math.random() * SERVER_STATES.length)],
      running: Math.random() < 0.8,
      disabled: Math.random() < 0.2 ? 'global' : Math.random() < 0.2 ? 'language' : undefined,
      languageId: 'python',
      ...(Math.random() < 0.1 ? { failed: 'crashed 6 times' } : {}),
      ...(Math.random() < 0.5 ? { message: `m${trial}` } : {}),
      ...(Math.random() < 0.7 ? { lastLatencyMs: Math.random() * 900 } : {}),
      ...(Math.random() < 0.7 ? { tokensPerSecond: Math.random() * 500 } : {}),
    };
    const v = statusView(s);
    const want = expectedState(s);
    assert.equal(v.state, want);
    assert.ok(v.ariaLabel.startsWith(`MemoryFormer: ${want}`), v.ariaLabel);
    assert.equal(v.severity, want === 'error' ? 'error' : 'none');
    if ((want === 'ready' || want === 'working') && s.lastLatencyMs !== undefined) assert.ok(v.text.includes(`${Math.round(s.lastLatencyMs)} ms`), v.text);
    if (want === 'error') assert.ok(v.tooltip.includes(s.failed ?? s.message ?? 'unknown error'), v.tooltip);
    if (want === 'disabled' && s.disabled === 'language') assert.ok(v.tooltip.includes('disabled for python'));
  }
});
