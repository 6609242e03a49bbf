/**
 * Collects the files of a workspace to fine-tune on. Rules, in the order they are checked:
 *
 *   folders      never entered: .git and other dot-folders, vendored and build output
 *                (node_modules, vendor, dist, build, out, target, ...), folders a .gitignore or an
 *                exclude glob names. A .gitignore in any folder applies below it.
 *   symlink      symbolic links are skipped, never followed (lstat): a link can point out of
 *                the workspace (a secret, another project, /) or loop, and what a link inside the
 *                workspace points at is collected at its own path anyway
 *   ignored      a .gitignore pattern (negation, dir-only, anchored, ** supported: gitignore.ts)
 *   excluded     an exclude glob from the caller (VS Code's files.exclude, a project setting)
 *   lock         package-lock.json, yarn.lock, pnpm-lock.yaml, Cargo.lock, poetry.lock, ...
 *   extension    not a code file (languages.ts)
 *   vendored     *.min.js, *.bundle.js and the like
 *   huge / tiny  over maxFileBytes (default 200 KB) / under 64 bytes
 *   binary       NUL byte or invalid UTF-8 (corpus/file-filter.ts)
 *   generated    generator markers, *_pb2.py, sourceMappingURL (corpus/file-filter.ts)
 *   minified     long lines, low alphanumeric share (corpus/file-filter.ts)
 *   duplicate    same content (or same content up to whitespace) as a file already kept
 *   budget       kept files past maxTotalBytes
 *
 * Files are visited in sorted path order (folders in the order given), so the result is
 * deterministic. Nothing here reads a file that the rules above excluded by name.
 */
import { promises as fsp, type Dirent } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MIN_FILE_BYTES, decodeUtf8, isGenerated, isMinified } from '../corpus/file-filter.js';
import { Deduplicator } from '../corpus/dedup.js';
import { compileExcludeGlob, ignoredBy, parseIgnoreFile, type IgnoreLayer } from './gitignore.js';
import { workspaceLanguageOf } from './languages.js';

export type SkipReason =
  | 'folder' | 'symlink' | 'ignored' | 'excluded' | 'lock' | 'extension' | 'vendored'
  | 'huge' | 'tiny' | 'binary' | 'generated' | 'minified' | 'duplicate' | 'budget' | 'unreadable';

export interface WorkspaceFile {
  /** Absolute path. */
  path: string;
  /** Path relative to its workspace folder, '/'-separated, prefixed by the folder's name when several folders are given. */
  rel: string;
  language: string;
  text: string;
  bytes: number;
}

export interface CollectOptions {
  /** Extra globs to leave out (workspace-relative, VS Code glob syntax). */
  exclude?: readonly string[];
  /** Honour .gitignore files (default true). */
  gitignore?: boolean;
  maxFileBytes?: number;
  /** Stop adding files past this many bytes in total (the rest count as 'budget'). */
  maxTotalBytes?: number;
  signal?: AbortSignal;
}

export interface Collected {
  files: WorkspaceFile[];
  /** How many files (or folders, for 'folder') were skipped, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** A few examples per reason, for explanations ("why was my file not used?"). */
  examples: Partial<Record<SkipReason, string[]>>;
}

export const DEFAULT_MAX_FILE_BYTES = 200 * 1024;
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Folders that hold dependencies or build output, not the workspace's own code. */
export const VENDORED_DIRS: ReadonlySet<string> = new Set([
  'node_modules', 'bower_components', 'jspm_packages', 'vendor', 'vendors', 'third_party', 'third-party',
  'dist', 'build', 'out', 'target', 'obj', 'coverage', 'htmlcov', 'site-packages',
  '__pycache__', 'venv', 'Pods', 'DerivedData', 'elm-stuff', '_build',
]);

export const LOCK_FILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'bun.lock',
  'Cargo.lock', 'poetry.lock', 'Pipfile.lock', 'pdm.lock', 'uv.lock', 'Gemfile.lock', 'composer.lock',
  'go.sum', 'mix.lock', 'pubspec.lock', 'Podfile.lock', 'flake.lock', 'packages.lock.json', 'gradle.lockfile',
]);

const VENDORED_NAME = /[.-]min\.[mc]?js$|\.bundle\.[mc]?js$|\.min\.css$|\.chunk\.[mc]?js$/i;

export class NothingToTrainOnError extends Error {
  override name = 'NothingToTrainOnError';
}

export async function collectWorkspace(folders: readonly string[], o: CollectOptions = {}): Promise<Collected> {
  if (!folders.length) throw new NothingToTrainOnError('no workspace folder given: open a folder (or pass --workspace DIR) to fine-tune on');
  const maxFileBytes = o.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const maxTotal = o.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  const excludes = (o.exclude ?? []).filter((g) => g.trim()).map(compileExcludeGlob);
  const out: Collected = { files: [], skipped: {}, examples: {} };
  const dedup = new Deduplicator();
  let total = 0;
  const skip = (reason: SkipReason, rel: string) => {
    out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
    const ex = (out.examples[reason] ??= []);
    if (ex.length < 5) ex.push(rel);
  };
  const roots = folders.map((f) => resolve(f));
  const names = roots.map((r) => basename(r));
  const prefixFor = (i: number) => (roots.length > 1 ? `${names[i]}/` : '');

  for (const [i, root] of roots.entries()) {
    let st;
    try {
      st = await fsp.stat(root);
    } catch {
      throw new NothingToTrainOnError(`workspace folder ${root} does not exist; pass an existing folder`);
    }
    if (!st.isDirectory()) throw new NothingToTrainOnError(`${root} is not a folder; pass the workspace folder to fine-tune on`);
    const layers: IgnoreLayer[] = [];

    const walk = async (dir: string, rel: string, layerCount: number): Promise<void> => {
      if (o.signal?.aborted) throw o.signal.reason ?? new Error('aborted');
      let entries: Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        skip('unreadable', rel || '.');
        return;
      }
      // This folder's .gitignore applies to everything below it.
      layers.length = layerCount;
      if (o.gitignore !== false && entries.some((e) => e.name === '.gitignore' && e.isFile())) {
        try {
          layers.push({ base: rel, rules: parseIgnoreFile(await fsp.readFile(join(dir, '.gitignore'), 'utf8')) });
        } catch {
          skip('unreadable', rel ? `${rel}/.gitignore` : '.gitignore');
        }
      }
      const depth = layers.length;
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const childRel = rel ? `${rel}/${e.name}` : e.name;
        const shown = prefixFor(i) + childRel;
        if (e.isSymbolicLink()) {
          skip('symlink', shown);
          continue;
        }
        const isDir = e.isDirectory();
        if (!isDir && !e.isFile()) continue; // sockets, fifos, devices
        if (isDir && (e.name.startsWith('.') || VENDORED_DIRS.has(e.name))) {
          skip('folder', shown);
          continue;
        }
        if (ignoredBy(layers.slice(0, depth), childRel, isDir)?.ignored) {
          skip('ignored', shown);
          continue;
        }
        if (excludes.some((re) => re.test(childRel))) {
          skip('excluded', shown);
          continue;
        }
        if (isDir) {
          await walk(join(dir, e.name), childRel, depth);
          layers.length = depth;
          continue;
        }
        await consider(join(dir, e.name), childRel, shown);
      }
    };

    const consider = async (path: string, rel: string, shown: string): Promise<void> => {
      const name = basename(rel);
      if (LOCK_FILES.has(name)) return skip('lock', shown);
      const language = workspaceLanguageOf(name);
      if (!language) return skip('extension', shown);
      if (VENDORED_NAME.test(name)) return skip('vendored', shown);
      let size: number;
      try {
        size = (await fsp.lstat(path)).size;
      } catch {
        return skip('unreadable', shown);
      }
      if (size > maxFileBytes) return skip('huge', shown);
      if (size < MIN_FILE_BYTES) return skip('tiny', shown);
      let bytes: Buffer;
      try {
        bytes = await fsp.readFile(path);
      } catch {
        return skip('unreadable', shown);
      }
      const text = decodeUtf8(bytes);
      if (text === undefined) return skip('binary', shown);
      if (isGenerated(name, text)) return skip('generated', shown);
      if (isMinified(text)) return skip('minified', shown);
      if (dedup.check(shown, text)) return skip('duplicate', shown);
      if (total + bytes.length > maxTotal) return skip('budget', shown);
      total += bytes.length;
      out.files.push({ path, rel: shown, language, text, bytes: bytes.length });
    };

    await walk(root, '', 0);
  }
  return out;
}

/** The message to show when a workspace has nothing to train on, with the biggest reasons. */
export function nothingToTrainOnMessage(folders: readonly string[], c: Collected): string {
  const reasons = Object.entries(c.skipped)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
  return (
    `no code files to fine-tune on in ${folders.join(', ')}` +
    (reasons ? ` (skipped: ${reasons})` : ' (the folder is empty)') +
    '. Fine-tuning needs source files (e.g. .ts, .py, .go) that are not ignored, generated, minified or vendored.'
  );
}
