import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyChange, DEFAULT_CONFIG, DEVICES, languageEnabled, LIMITS, LOG_LEVELS, readConfig, serverSettings, type ExtensionConfig } from './config.js';

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

function randomConfig(): ExtensionConfig {
  return {
    enable: Math.random() < 0.5,
    languages: Object.fromEntries(['*', 'typescript', 'python', 'markdown'].filter(() => Math.random() < 0.6).map((l) => [l, Math.random() < 0.5])),
    debounceMs: int(...LIMITS.debounceMs),
    adaptiveDebounce: Math.random() < 0.5,
    triggerOnDeletion: Math.random() < 0.5,
    maxTokens: int(...LIMITS.maxTokens),
    temperature: Math.random() * 2,
    device: pick(DEVICES),
    threads: int(...LIMITS.threads),
    modelPath: Math.random() < 0.5 ? '' : `/models/m${int(0, 1e6)}`,
    logLevel: pick(LOG_LEVELS),
  };
}

test('valid settings are read as they are', () => {
  for (let trial = 0; trial < 200; trial++) {
    const c = randomConfig();
    const { config, problems } = readConfig((k) => (c as unknown as Record<string, unknown>)[k]);
    assert.deepEqual(problems, []);
    assert.deepEqual(config, c);
  }
});

test('missing settings take the defaults; bad ones are reported by name and replaced by the default', () => {
  assert.deepEqual(readConfig(() => undefined), { config: DEFAULT_CONFIG, problems: [] });
  const bad: Record<string, unknown> = {
    enable: 'yes',
    debounceMs: -int(1, 100),
    maxTokens: int(3000, 9000),
    temperature: 'hot',
    device: 'tpu',
    threads: 1.5,
    logLevel: 'loud',
    languages: ['typescript'],
    modelPath: int(1, 9),
  };
  const { config, problems } = readConfig((k) => bad[k]);
  for (const key of Object.keys(bad)) {
    assert.ok(problems.some((p) => p.startsWith(`memoryformer.${key} `)), `a problem names memoryformer.${key}: ${problems.join('\n')}`);
  }
  const { languages: _l, ...rest } = config;
  const { languages: _d, ...defaults } = DEFAULT_CONFIG;
  assert.deepEqual(rest, defaults);
});

test('a language follows its own switch, else "*"; the global switch wins', () => {
  for (let trial = 0; trial < 300; trial++) {
    const c = randomConfig();
    const lang = pick(['typescript', 'python', 'markdown', 'rust']);
    const want = c.enable && (lang in c.languages ? c.languages[lang]! : (c.languages['*'] ?? true));
    assert.equal(languageEnabled(c, lang), want);
  }
});

test('device, threads and logLevel restart the server; completion settings are notified; modelPath switches the model', () => {
  for (let trial = 0; trial < 300; trial++) {
    const a = randomConfig();
    const b = Math.random() < 0.3 ? { ...a } : randomConfig();
    const restart = a.device !== b.device || a.threads !== b.threads || a.logLevel !== b.logLevel;
    const completionChanged = a.maxTokens !== b.maxTokens || a.temperature !== b.temperature;
    assert.deepEqual(classifyChange(a, b), {
      restart,
      notify: completionChanged && !restart,
      switchModel: a.modelPath !== b.modelPath && !restart,
    });
    assert.deepEqual(serverSettings(b), { completion: { maxTokens: b.maxTokens, temperature: b.temperature } });
  }
});
