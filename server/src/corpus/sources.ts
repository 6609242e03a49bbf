/**
 * The pinned source list (scripts/corpus-sources.json): which packages, at which exact version,
 * the corpus is built from. Pinning makes a rebuild produce the same corpus.
 *
 *   { "sources": [ { "kind": "npm", "name": "lodash", "version": "4.18.1" },
 *                  { "kind": "deb", "name": "python3-six", "version": "1.16.0-4" },
 *                  { "kind": "npm", "name": "three", "version": "0.187.0", "maxMb": 2 } ] }
 */
import { readFileSync } from 'node:fs';

export type SourceKind = 'npm' | 'deb';

export interface CorpusSource {
  kind: SourceKind;
  name: string;
  version: string;
  /**
   * Cap on the bytes kept from this source (files in path order until reached), so one large
   * package cannot dominate the corpus. Written as "maxMb" in the JSON.
   */
  maxBytes?: number;
}

/** "npm:lodash@4.18.1" — how a source is named in messages and in the manifest's file ids. */
export function sourceId(s: CorpusSource): string {
  return `${s.kind}:${s.name}@${s.version}`;
}

const NPM_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;
const DEB_NAME = /^[a-z0-9][a-z0-9.+-]+$/;
/** Exact versions only: a range would make the corpus change under our feet. */
const EXACT_VERSION = /^[0-9][0-9A-Za-z.+:~-]*$/;

export function parseSources(json: unknown, where = 'source list'): CorpusSource[] {
  const list = (json as { sources?: unknown } | null)?.sources;
  if (!Array.isArray(list)) throw new Error(`${where}: expected an object { "sources": [ { "kind", "name", "version" }, ... ] }`);
  const seen = new Set<string>();
  return list.map((item: unknown, i): CorpusSource => {
    const { kind, name, version, maxMb } = (item ?? {}) as Record<string, unknown>;
    const at = `${where}: sources[${i}]`;
    if (kind !== 'npm' && kind !== 'deb') throw new Error(`${at}: "kind" must be "npm" or "deb", got ${JSON.stringify(kind)}`);
    if (typeof name !== 'string' || !(kind === 'npm' ? NPM_NAME : DEB_NAME).test(name)) {
      throw new Error(`${at}: "name" ${JSON.stringify(name)} is not a valid ${kind} package name`);
    }
    if (typeof version !== 'string' || !EXACT_VERSION.test(version)) {
      throw new Error(`${at}: "version" of ${name} must be an exact version such as "1.2.3", got ${JSON.stringify(version)}`);
    }
    const key = `${kind}:${name}`;
    if (seen.has(key)) throw new Error(`${at}: ${key} is listed twice; pin one version`);
    seen.add(key);
    if (maxMb === undefined) return { kind, name, version };
    if (typeof maxMb !== 'number' || !(maxMb > 0)) throw new Error(`${at}: "maxMb" of ${name} must be a positive number of megabytes, got ${JSON.stringify(maxMb)}`);
    return { kind, name, version, maxBytes: Math.round(maxMb * 1e6) };
  });
}

export function loadSources(path: string): CorpusSource[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the source list ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`source list ${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseSources(json, path);
}
