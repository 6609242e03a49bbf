/**
 * Crash-safe writes: a reader sees either the old file (or directory) or the complete new one,
 * never a half-written one, even if the writer is killed or the machine loses power.
 *
 * How: write into a temporary sibling, fsync it, rename it over the target (rename is atomic
 * within a directory), then fsync the directory so the rename itself is durable.
 *
 * Temporary names are `<name>.tmp-<pid>-<hex>` (and `<name>.old-<pid>-<hex>` for a directory
 * being replaced). Loaders open fixed names (config.json, model.safetensors), so they never see
 * these. A killed writer leaves them behind; cleanStaleTemps() removes those whose writer
 * process is gone.
 */
import { promises as fsp, constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

const TEMP_PATTERN = /^(.*)\.(tmp|old)-(\d+)-[0-9a-f]{8}$/;

function tempSibling(target: string, kind: 'tmp' | 'old'): string {
  return join(dirname(target), `${basename(target)}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** True for names this module gives its temporary files and directories. */
export function isTempName(name: string): boolean {
  return TEMP_PATTERN.test(name);
}

/** Makes a directory's entries (creations, renames) durable. Not possible (nor needed) on Windows. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fsp.open(dir, fsConstants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Windows refuses a rename while another process has the target open (an antivirus scan, an editor); retry briefly. */
async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fsp.rename(from, to);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const transient = process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EBUSY');
      if (!transient || attempt >= 8) throw e;
      await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
    }
  }
}

/** Writes data into an open file handle, chunk by chunk (chunks are not concatenated first). */
async function writeChunks(fh: fsp.FileHandle, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const chunks = data instanceof Uint8Array ? [data] : data;
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.byteLength) {
      const { bytesWritten } = await fh.write(chunk, done, chunk.byteLength - done);
      done += bytesWritten;
    }
  }
}

/** Writes a file's complete contents and fsyncs it (no rename; for files inside a temporary directory). */
export async function writeFileDurable(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const fh = await fsp.open(path, 'wx');
  try {
    await writeChunks(fh, data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Replaces `path` with `data` atomically. An array of chunks is written in order, as if
 * concatenated (so a large file need not be assembled in memory first).
 */
export async function writeFileAtomic(path: string, data: Uint8Array | readonly Uint8Array[]): Promise<void> {
  const tmp = tempSibling(path, 'tmp');
  try {
    await writeFileDurable(tmp, data);
    await renameWithRetry(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(path));
}

export interface WriteDirOptions {
  /**
   * Carry over entries of the existing directory that `fill` did not write (hard links when
   * possible, copies otherwise), so that files other writers keep there survive the swap.
   * Default true.
   */
  keepOtherEntries?: boolean;
}

/** fsyncs the files `fill` wrote (carried-over files are already on disk), then the directory. */
async function fsyncFilesIn(dir: string): Promise<void> {
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    // Linux and macOS sync through a read-only descriptor; Windows needs write access.
    const fh = await fsp.open(join(dir, entry.name), process.platform === 'win32' ? 'r+' : 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  await fsyncDir(dir);
}

async function carryOver(fromDir: string, toDir: string): Promise<void> {
  let entries;
  try {
    entries = await fsp.readdir(fromDir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const written = new Set(await fsp.readdir(toDir));
  for (const entry of entries) {
    if (written.has(entry.name) || isTempName(entry.name)) continue;
    const from = join(fromDir, entry.name);
    const to = join(toDir, entry.name);
    if (entry.isFile()) {
      // A hard link is instant and shares the bytes; the old directory's link goes away with it.
      await fsp.link(from, to).catch(() => fsp.copyFile(from, to));
    } else {
      await fsp.cp(from, to, { recursive: true, preserveTimestamps: true });
    }
  }
}

/**
 * Replaces directory `dir` with a new one that `fill` writes, so that a reader sees the old
 * directory or the complete new one. `fill` receives a temporary sibling directory
 * (`<dir>.tmp-<pid>-<hex>`) and writes its files there (every file in it is fsynced afterwards).
 *
 * POSIX cannot rename a directory over a non-empty one, so the swap is two renames:
 * dir -> `<dir>.old-<pid>-<hex>`, then tmp -> dir; the old directory is removed after. For the
 * microseconds between the two renames `dir` does not exist; a writer killed exactly there
 * leaves the old model in the `.old-` directory, and cleanStaleTemps() on the parent puts it
 * back.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>, opts: WriteDirOptions = {}): Promise<void> {
  const parent = dirname(dir);
  await fsp.mkdir(parent, { recursive: true });
  const tmp = tempSibling(dir, 'tmp');
  await fsp.mkdir(tmp);
  let old: string | undefined;
  try {
    await fill(tmp);
    await fsyncFilesIn(tmp);
    if (opts.keepOtherEntries ?? true) {
      await carryOver(dir, tmp);
      await fsyncDir(tmp);
    }
    old = tempSibling(dir, 'old');
    try {
      await renameWithRetry(dir, old);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      old = undefined; // first save: nothing to replace
    }
    await renameWithRetry(tmp, dir);
  } catch (e) {
    // Put the previous directory back if it was already moved aside, and drop the partial one.
    if (old) await fsp.rename(old, dir).catch(() => undefined);
    await fsp.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(parent);
  if (old) await fsp.rm(old, { recursive: true, force: true });
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CleanupReport {
  /** Temporary files and directories deleted. */
  removed: string[];
  /** `.old-` directories renamed back to their original name (a swap interrupted between its renames). */
  restored: string[];
}

/**
 * Removes temporary files and directories in `dir` left by writers that no longer run (their
 * pid is in the name). Entries of live writers are left alone. A `.old-` entry whose original
 * name no longer exists is renamed back instead of deleted: it is the last complete version.
 * Missing `dir` is not an error.
 */
export async function cleanStaleTemps(dir: string): Promise<CleanupReport> {
  const report: CleanupReport = { removed: [], restored: [] };
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw e;
  }
  // Restore first, so that a stale `.tmp-` of the same target is not mistaken for anything.
  const entries = names
    .map((name) => ({ name, m: TEMP_PATTERN.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null && !processIsAlive(Number(x.m[3])))
    .sort((a, b) => (a.m[2] === 'old' ? 0 : 1) - (b.m[2] === 'old' ? 0 : 1));
  for (const { name, m } of entries) {
    const path = join(dir, name);
    const original = join(dir, m[1]!);
    if (m[2] === 'old' && !(await exists(original))) {
      await fsp.rename(path, original);
      report.restored.push(original);
      continue;
    }
    await fsp.rm(path, { recursive: true, force: true });
    report.removed.push(path);
  }
  if (report.restored.length) await fsyncDir(dir);
  return report;
}

/**
 * If directory `dir` is missing because its writer was killed between the two renames of
 * writeDirAtomic, renames the previous version (`<dir>.old-<pid>-<hex>`, writer gone) back.
 * Returns true when it restored something.
 */
export async function restoreInterruptedDirSwap(dir: string): Promise<boolean> {
  if (await exists(dir)) return false;
  const parent = dirname(dir);
  const base = basename(dir);
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return false;
  }
  for (const name of names) {
    const m = TEMP_PATTERN.exec(name);
    if (!m || m[1] !== base || m[2] !== 'old' || processIsAlive(Number(m[3]))) continue;
    await fsp.rename(join(parent, name), dir);
    await fsyncDir(parent);
    return true;
  }
  return false;
}

async function exists(path: string): Promise<boolean> {
  try {
    await fsp.lstat(path);
    return true;
  } catch {
    return false;
  }
}
