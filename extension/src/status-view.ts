/**
 * What the status bar item shows, from the server's state (memoryformer/statusChanged), the
 * client's own state and the last measured figures. Pure, so every state's text is unit-tested.
 */
import type { ServerState } from '../../protocol/lsp.js';

/** The states a user sees. */
export type ShownState = 'starting' | 'ready' | 'working' | 'fine-tuning' | 'disabled' | 'error';

export interface StatusInput {
  /** From memoryformer/statusChanged; undefined until the server spoke. */
  server: ServerState | undefined;
  /** The server's message (the error, or what it is loading). */
  message?: string;
  /** The language client's connection: false while the server process is (re)starting or stopped. */
  running: boolean;
  /** The client gave up restarting a crashing server. */
  failed?: string;
  /** Completions are off globally or for the active editor's language. */
  disabled: 'global' | 'language' | undefined;
  languageId?: string;
  /** Round trip of the last answered completion, ms. */
  lastLatencyMs?: number;
  /** Server-reported generation speed. */
  tokensPerSecond?: number;
  modelName?: string;
}

export interface StatusView {
  state: ShownState;
  text: string;
  tooltip: string;
  /** Screen readers read this; tests look for the state word in it. */
  ariaLabel: string;
  /** 'error' maps to the theme's error colour for status bar items. */
  severity: 'none' | 'error';
}

const ICONS: Record<ShownState, string> = {
  starting: '$(loading~spin)',
  ready: '$(sparkle)',
  working: '$(loading~spin)',
  'fine-tuning': '$(mortar-board)',
  disabled: '$(circle-slash)',
  error: '$(error)',
};

export function shownState(s: StatusInput): ShownState {
  if (s.failed) return 'error';
  if (!s.running) return 'starting';
  switch (s.server) {
    case undefined:
    case 'loading':
      return 'starting';
    case 'error':
      return 'error';
    case 'fine-tuning':
      return 'fine-tuning';
    case 'busy':
      return s.disabled ? 'disabled' : 'working';
    case 'ready':
      return s.disabled ? 'disabled' : 'ready';
  }
}

export function statusView(s: StatusInput): StatusView {
  const state = shownState(s);
  const figures: string[] = [];
  if (s.lastLatencyMs !== undefined) figures.push(`${Math.round(s.lastLatencyMs)} ms`);
  if (s.tokensPerSecond !== undefined && s.tokensPerSecond > 0) figures.push(`${formatRate(s.tokensPerSecond)} tok/s`);
  const showFigures = state === 'ready' || state === 'working';
  const text = `${ICONS[state]} MemoryFormer${showFigures && figures.length ? ` ${figures.join(' · ')}` : ''}`;

  const lines = [`MemoryFormer: ${describe(state, s)}`];
  if (s.modelName) lines.push(`Model: ${s.modelName}`);
  if (figures.length) lines.push(`Last completion: ${figures.join(', ')}`);
  lines.push('Click for options');
  return {
    state,
    text,
    tooltip: lines.join('\n'),
    ariaLabel: `MemoryFormer: ${state}${figures.length ? `, ${figures.join(', ')}` : ''}`,
    severity: state === 'error' ? 'error' : 'none',
  };
}

function describe(state: ShownState, s: StatusInput): string {
  switch (state) {
    case 'starting':
      return s.message ? `starting (${s.message})` : 'starting';
    case 'ready':
      return 'ready';
    case 'working':
      return 'working on a suggestion';
    case 'fine-tuning':
      return 'fine-tuning on the workspace';
    case 'disabled':
      return s.disabled === 'language' ? `disabled for ${s.languageId ?? 'this language'}` : 'disabled';
    case 'error':
      return `error: ${s.failed ?? s.message ?? 'unknown error (see the log)'}`;
  }
}

function formatRate(r: number): string {
  return r >= 100 ? String(Math.round(r)) : r.toFixed(1);
}
