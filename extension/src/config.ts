/**
 * The extension's settings (`memoryformer.*`), read once into a typed, validated object. Pure: the
 * reader takes a `get(key)` function, so the rules are unit-tested without VS Code.
 */
import type { ServerSettings } from '../../protocol/lsp.js';

export const SECTION = 'memoryformer';

export type Device = 'auto' | 'cpu' | 'webgpu' | 'cuda';
export const DEVICES: readonly Device[] = ['auto', 'cpu', 'webgpu', 'cuda'];
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface ExtensionConfig {
  /** Completions on or off everywhere. */
  enable: boolean;
  /** Per-language switches by VS Code language id; "*" is the default for unlisted languages. */
  languages: Readonly<Record<string, boolean>>;
  /** Fixed debounce, or the floor of the adaptive one (ms). */
  debounceMs: number;
  /** Wait longer for slow typists (a pause between their keys is not yet the end of typing). */
  adaptiveDebounce: boolean;
  /** Ask for a suggestion after an edit that only deleted text (off: backspace never costs a model call). */
  triggerOnDeletion: boolean;
  maxTokens: number;
  temperature: number;
  device: Device;
  /** Inference threads; 0 lets the runtime choose. */
  threads: number;
  /** Model folder; '' = the model shipped with the extension. */
  modelPath: string;
  logLevel: LogLevel;
}

export const DEFAULT_CONFIG: Readonly<ExtensionConfig> = Object.freeze({
  enable: true,
  languages: Object.freeze({ '*': true, plaintext: false, markdown: false, scminput: false }),
  debounceMs: 150,
  adaptiveDebounce: true,
  triggerOnDeletion: false,
  maxTokens: 64,
  temperature: 0,
  device: 'auto',
  threads: 0,
  modelPath: '',
  logLevel: 'info',
});

/** Bounds of the numeric settings (the same as package.json's contributes.configuration). */
export const LIMITS = Object.freeze({
  debounceMs: [0, 2000] as const,
  maxTokens: [1, 2048] as const,
  temperature: [0, 2] as const,
  threads: [0, 256] as const,
});

export interface ConfigReadResult {
  config: ExtensionConfig;
  /** One sentence per setting that was ignored, saying what was wrong and what is used instead. */
  problems: string[];
}

/** Reads every setting through `get` ('enable', 'languages', ... without the section prefix). */
export function readConfig(get: (key: string) => unknown): ConfigReadResult {
  const problems: string[] = [];
  const d = DEFAULT_CONFIG;
  const bool = (key: keyof ExtensionConfig & string, fallback: boolean): boolean => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    problems.push(`${SECTION}.${key} must be true or false, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  };
  const num = (key: keyof typeof LIMITS, fallback: number, integer: boolean): number => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    const [lo, hi] = LIMITS[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < lo || v > hi) {
      problems.push(`${SECTION}.${key} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${JSON.stringify(v)}; using ${fallback}`);
      return fallback;
    }
    return v;
  };
  const oneOf = <T extends string>(key: keyof ExtensionConfig & string, values: readonly T[], fallback: T): T => {
    const v = get(key);
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    problems.push(`${SECTION}.${key} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}; using ${fallback}`);
    return fallback;
  };
  const modelPathRaw = get('modelPath');
  let modelPath = d.modelPath;
  if (typeof modelPathRaw === 'string') modelPath = modelPathRaw.trim();
  else if (modelPathRaw !== undefined && modelPathRaw !== null) problems.push(`${SECTION}.modelPath must be a folder path (a string), got ${JSON.stringify(modelPathRaw)}; using the default model`);

  return {
    config: {
      enable: bool('enable', d.enable),
      languages: readLanguages(get('languages'), problems),
      debounceMs: num('debounceMs', d.debounceMs, true),
      adaptiveDebounce: bool('adaptiveDebounce', d.adaptiveDebounce),
      triggerOnDeletion: bool('triggerOnDeletion', d.triggerOnDeletion),
      maxTokens: num('maxTokens', d.maxTokens, true),
      temperature: num('temperature', d.temperature, false),
      device: oneOf('device', DEVICES, d.device),
      threads: num('threads', d.threads, true),
      modelPath,
      logLevel: oneOf('logLevel', LOG_LEVELS, d.logLevel),
    },
    problems,
  };
}

function readLanguages(v: unknown, problems: string[]): Readonly<Record<string, boolean>> {
  if (v === undefined || v === null) return DEFAULT_CONFIG.languages;
  if (typeof v !== 'object' || Array.isArray(v)) {
    problems.push(`${SECTION}.languages must be an object such as {"*": true, "markdown": false}, got ${JSON.stringify(v)}; using the default`);
    return DEFAULT_CONFIG.languages;
  }
  const out: Record<string, boolean> = {};
  for (const [lang, on] of Object.entries(v as Record<string, unknown>)) {
    if (typeof on === 'boolean') out[lang] = on;
    else problems.push(`${SECTION}.languages["${lang}"] must be true or false, got ${JSON.stringify(on)}; ignored`);
  }
  return out;
}

/** Whether completions are wanted in a document of `languageId`. */
export function languageEnabled(config: ExtensionConfig, languageId: string): boolean {
  if (!config.enable) return false;
  const own = config.languages[languageId];
  if (own !== undefined) return own;
  return config.languages['*'] ?? true;
}

/** The settings the running server takes through workspace/didChangeConfiguration. */
export function serverSettings(config: ExtensionConfig): ServerSettings {
  return { completion: { maxTokens: config.maxTokens, temperature: config.temperature } };
}

/** Settings that only take effect when the server process starts again. */
const RESTART_KEYS = ['device', 'threads', 'logLevel'] as const satisfies readonly (keyof ExtensionConfig)[];

/** How a settings change reaches the server. */
export interface ConfigChange {
  restart: boolean;
  /** Send workspace/didChangeConfiguration. */
  notify: boolean;
  /** Send memoryformer/setModel (the old model serves until the new one is loaded). */
  switchModel: boolean;
}

export function classifyChange(before: ExtensionConfig, after: ExtensionConfig): ConfigChange {
  const restart = RESTART_KEYS.some((k) => before[k] !== after[k]);
  const notify = JSON.stringify(serverSettings(before)) !== JSON.stringify(serverSettings(after));
  return { restart, notify: notify && !restart, switchModel: before.modelPath !== after.modelPath && !restart };
}
