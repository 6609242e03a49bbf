/**
 * Fetching a pinned source into the cache (.cache/corpus/): `npm pack NAME@VERSION` + tar for npm,
 * `apt-get download NAME=VERSION` + `dpkg -x` for Debian. The network (the npm registry, the
 * Debian mirror) is used only here, at corpus-build time, and only when the cache lacks the
 * package: a complete extraction is marked by a `.complete` file, written last, and extraction
 * goes to a temporary folder renamed into place, so an interrupted fetch is simply redone.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLicense, debianCopyrightLicense, type LicenseVerdict } from './licenses.js';
import { sourceId, type CorpusSource } from './sources.js';

export interface FetchedSource {
  /** Folder whose files become documents (file paths in the manifest are relative to it). */
  root: string;
  license: LicenseVerdict;
  /** Whether it came from the cache (no network). */
  cached: boolean;
}

const COMPLETE = '.complete';

function cacheFolder(cacheDir: string, s: CorpusSource): string {
  return join(cacheDir, s.kind, `${s.name.replace('/', '+')}@${s.version.replace(':', '%3a')}`);
}

function run(cmd: string, args: string[], cwd: string, what: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${what} failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' | ')}. ` +
      'Building the corpus needs the package registry the first time (later builds use the cache).');
  }
}

/** Fetches (or finds in the cache) one source and reads its license. */
export function fetchSource(cacheDir: string, s: CorpusSource): FetchedSource {
  const dir = cacheFolder(cacheDir, s);
  let cached = true;
  if (!existsSync(join(dir, COMPLETE))) {
    cached = false;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    try {
      if (s.kind === 'npm') fetchNpm(tmp, s);
      else fetchDeb(tmp, s);
      writeFileSync(join(tmp, COMPLETE), JSON.stringify(s) + '\n');
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  return s.kind === 'npm' ? readNpm(dir, s, cached) : readDeb(dir, s, cached);
}

function fetchNpm(tmp: string, s: CorpusSource): void {
  const out = run('npm', ['pack', `${s.name}@${s.version}`, '--json', '--silent', '--ignore-scripts'], tmp, `npm pack ${s.name}@${s.version}`);
  const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${s.name}@${s.version} produced no tarball (output: ${out.slice(0, 200)})`);
  mkdirSync(join(tmp, 'x'));
  run('tar', ['-xzf', tarball, '-C', 'x'], tmp, `extracting ${tarball}`);
  rmSync(join(tmp, tarball));
  // npm tarballs hold one top folder, usually "package/" (a few old ones use another name).
  const tops = readdirSync(join(tmp, 'x'));
  if (tops.length !== 1) throw new Error(`${sourceId(s)}: expected one folder in the tarball, found ${tops.join(', ')}`);
  renameSync(join(tmp, 'x', tops[0]!), join(tmp, 'package'));
  rmSync(join(tmp, 'x'), { recursive: true });
}

function readNpm(dir: string, s: CorpusSource, cached: boolean): FetchedSource {
  const root = join(dir, 'package');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string; license?: unknown; licenses?: unknown };
  if (pkg.version !== s.version) throw new Error(`${sourceId(s)}: the cached package.json says version ${pkg.version}; delete ${dir} and rebuild`);
  return { root, license: checkLicense(npmLicenseString(pkg)), cached };
}

/** package.json `license` (SPDX string), or the deprecated `license: {type}` / `licenses: [{type}]` forms. */
export function npmLicenseString(pkg: { license?: unknown; licenses?: unknown }): string | undefined {
  const { license, licenses } = pkg;
  if (typeof license === 'string') return license;
  if (license && typeof license === 'object' && typeof (license as { type?: unknown }).type === 'string') return (license as { type: string }).type;
  if (Array.isArray(licenses)) {
    const types = licenses.map((l) => (l as { type?: unknown })?.type).filter((t): t is string => typeof t === 'string');
    if (types.length) return types.join(' OR ');
  }
  return undefined;
}

function fetchDeb(tmp: string, s: CorpusSource): void {
  run('apt-get', ['download', `${s.name}=${s.version}`], tmp, `apt-get download ${s.name}=${s.version}`);
  const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${s.name}=${s.version} produced no .deb`);
  run('dpkg', ['-x', deb, 'x'], tmp, `dpkg -x ${deb}`);
  rmSync(join(tmp, deb));
}

function readDeb(dir: string, s: CorpusSource, cached: boolean): FetchedSource {
  const x = join(dir, 'x');
  const pythonRoot = join(x, 'usr', 'lib', 'python3', 'dist-packages');
  const root = existsSync(pythonRoot) ? pythonRoot : x;
  const copyright = join(x, 'usr', 'share', 'doc', s.name, 'copyright');
  const license = existsSync(copyright)
    ? debianCopyrightLicense(readFileSync(copyright, 'utf8'))
    : { accepted: false as const, license: '(unknown)', reason: `no ${copyright.slice(x.length)} in the package` };
  return { root, license, cached };
}
