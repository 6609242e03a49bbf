/** The source files of a folder that evaluation reads: code by extension, no vendored or huge files. */
import { readdirSync, readFileSync, statSync, lstatSync } from 'node:fs';
import { extname, join, relative } from 'node:path';

export const CODE_EXTENSIONS = new Set(['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.py', '.go', '.rs', '.java', '.c', '.h', '.cc', '.cpp', '.cs', '.rb', '.php', '.sh']);
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'out', 'vendor', '.cache', 'coverage', '__pycache__']);
/** Bigger files are usually generated or data. */
export const MAX_FILE_BYTES = 256 * 1024;

export interface SourceFile {
  path: string;
  rel: string;
  text: string;
}

export function collectSourceFiles(dir: string): SourceFile[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new Error(`data folder ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder: pass the folder of source files to evaluate on`);
  const out: SourceFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const ls = lstatSync(p);
      if (ls.isSymbolicLink()) continue;
      if (ls.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(p);
      } else if (ls.isFile() && CODE_EXTENSIONS.has(extname(name)) && ls.size > 0 && ls.size <= MAX_FILE_BYTES && !/\.min\.|\.d\.ts$/.test(name)) {
        const buf = readFileSync(p);
        if (buf.includes(0)) continue; // binary
        out.push({ path: p, rel: relative(dir, p), text: buf.toString('utf8') });
      }
    }
  };
  walk(dir);
  return out;
}
