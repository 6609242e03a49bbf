/**
 * Completion settings from the client (initializationOptions, workspace/didChangeConfiguration),
 * merged over the defaults and checked: an out-of-range or mistyped value is reported and
 * replaced by the default, so a bad setting can never hang the server.
 */
import {
  COMPLETION_SETTING_LIMITS,
  DEFAULT_COMPLETION_SETTINGS,
  type CompletionSettings,
} from '../../../protocol/lsp.js';

export type ResolvedSettings = Required<CompletionSettings>;

export function resolveSettings(input: unknown, base: ResolvedSettings = { ...DEFAULT_COMPLETION_SETTINGS }): { settings: ResolvedSettings; problems: string[] } {
  const settings: ResolvedSettings = { ...base };
  const problems: string[] = [];
  if (input === undefined || input === null) return { settings, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    return { settings, problems: [`completion settings must be an object, got ${JSON.stringify(input)}`] };
  }
  const obj = input as Record<string, unknown>;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'multiline') {
      if (value === 'auto' || value === 'single') settings.multiline = value;
      else problems.push(`completion.multiline must be "auto" or "single", got ${JSON.stringify(value)}; using "${settings.multiline}"`);
      continue;
    }
    const limits = (COMPLETION_SETTING_LIMITS as Record<string, readonly [number, number]>)[key];
    if (!limits) {
      problems.push(`unknown completion setting "${key}" (known: ${Object.keys(DEFAULT_COMPLETION_SETTINGS).join(', ')})`);
      continue;
    }
    const [lo, hi] = limits;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
      problems.push(`completion.${key} must be a number in [${lo}, ${hi}], got ${JSON.stringify(value)}; keeping ${String(settings[key as keyof ResolvedSettings])}`);
      continue;
    }
    (settings as unknown as Record<string, number>)[key] = key === 'temperature' || key === 'topP' ? value : Math.floor(value);
  }
  return { settings, problems };
}
