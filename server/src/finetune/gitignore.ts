/**
 * A .gitignore matcher for the syntax people actually write (gitignore(5)):
 *   # comment, blank lines            ignored; "\#" and "\!" start a literal # or !
 *   trailing spaces                   dropped unless escaped ("foo\ ")
 *   !pattern                          negation: re-includes what an earlier pattern excluded
 *   pattern/                          matches directories only
 *   a slash at the start or middle    anchored to the .gitignore's folder ("/build", "src/gen")
 *   no slash (or only a trailing one) matches at any depth below that folder ("*.log", "out/")
 *   *  ?  [a-z] [!a-z]                within one path segment
 *   leading "**\/", trailing "/**", "/**\/"   any number of folders
 *
 * The last matching pattern decides, and patterns of a deeper .gitignore come after those of
 * its parents, so they win. As in git, a file inside an excluded folder cannot be re-included:
 * the walker never enters an excluded folder (collect.ts), so this falls out of the walk.
 * Not supported (rare in practice): core.excludesFile and $GIT_DIR/info/exclude are read only
 * when the caller passes them in.
 */

export interface IgnoreRule {
  /** Matches the path relative to the rule's base folder ('/'-separated, no leading slash). */
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
  /** The line as written, for explanations. */
  source: string;
}

/** Escapes a character for use in a RegExp. */
function esc(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}

/**
 * Translates one glob (gitignore flavour, no leading/trailing slash handling) to a RegExp
 * source. `**` only means "any folders" as a whole segment; elsewhere it is a plain `*`.
 */
export function globToRegexSource(glob: string, opts: { braces?: boolean } = {}): string {
  let out = '';
  let i = 0;
  let braceDepth = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      out += esc(glob[i + 1]!);
      i += 2;
      continue;
    }
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const atSegStart = i === 0 || glob[i - 1] === '/';
        const atSegEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atSegStart && atSegEnd) {
          if (i + 2 === glob.length) {
            out += '.*'; // "a/**": everything inside
            i += 2;
          } else {
            out += '(?:[^/]*/)*'; // "**/" : zero or more folders
            i += 3;
          }
          continue;
        }
        i++; // "a**b": a plain star
      }
      out += '[^/]*';
      i++;
      continue;
    }
    if (c === '?') {
      out += '[^/]';
      i++;
      continue;
    }
    if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close !== -1) {
        let body = glob.slice(i + 1, close);
        let negated = false;
        if (body[0] === '!' || body[0] === '^') {
          negated = true;
          body = body.slice(1);
        }
        body = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]');
        out += negated ? `[^/${body}]` : `[${body}]`;
        i = close + 1;
        continue;
      }
    }
    if (opts.braces && c === '{') {
      braceDepth++;
      out += '(?:';
      i++;
      continue;
    }
    if (opts.braces && braceDepth > 0 && c === '}') {
      braceDepth--;
      out += ')';
      i++;
      continue;
    }
    if (opts.braces && braceDepth > 0 && c === ',') {
      out += '|';
      i++;
      continue;
    }
    out += esc(c);
    i++;
  }
  while (braceDepth-- > 0) out += ')';
  return out;
}

/** Parses one line of a .gitignore; undefined for blank lines and comments. */
export function parseIgnoreLine(line: string): IgnoreRule | undefined {
  let p = line.replace(/\r$/, '');
  // Trailing spaces go unless escaped with a backslash.
  p = p.replace(/(?<!\\)\s+$/, '');
  if (!p || p.startsWith('#')) return undefined;
  const source = p;
  let negate = false;
  if (p.startsWith('!')) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) {
    p = p.slice(1);
  }
  let dirOnly = false;
  if (p.endsWith('/') && !p.endsWith('\\/')) {
    dirOnly = true;
    p = p.replace(/\/+$/, '');
  }
  if (!p) return undefined;
  const anchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  const body = globToRegexSource(p);
  const prefix = anchored || p.startsWith('**/') ? '' : '(?:[^/]*/)*';
  return { regex: new RegExp(`^${prefix}${body}$`), negate, dirOnly, source };
}

export function parseIgnoreFile(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const line of text.split('\n')) {
    const r = parseIgnoreLine(line);
    if (r) rules.push(r);
  }
  return rules;
}

/** The rules of one .gitignore and the folder (relative to the workspace root, '' for the root) it sits in. */
export interface IgnoreLayer {
  base: string;
  rules: IgnoreRule[];
}

/**
 * Whether `relPath` (relative to the workspace root) is ignored by the layers that apply to it
 * (outermost first). Undefined when no pattern matches, so callers can tell "not mentioned".
 */
export function ignoredBy(layers: readonly IgnoreLayer[], relPath: string, isDir: boolean): { ignored: boolean; rule: string } | undefined {
  let verdict: { ignored: boolean; rule: string } | undefined;
  for (const layer of layers) {
    let rel: string;
    if (layer.base === '') rel = relPath;
    else if (relPath.startsWith(layer.base + '/')) rel = relPath.slice(layer.base.length + 1);
    else continue;
    for (const r of layer.rules) {
      if (r.dirOnly && !isDir) continue;
      if (r.regex.test(rel)) verdict = { ignored: !r.negate, rule: layer.base ? `${layer.base}/.gitignore: ${r.source}` : `.gitignore: ${r.source}` };
    }
  }
  return verdict;
}

/**
 * A workspace-relative glob as VS Code's files.exclude writes them ("**\/node_modules",
 * "**\/*.{log,tmp}", "out/"): '/'-separated, `**` any folders, `{a,b}` alternatives. A pattern
 * without a slash matches a name at any depth (as files.exclude users expect from "*.log").
 */
export function compileExcludeGlob(glob: string): RegExp {
  let g = glob.trim().replace(/\\/g, '/').replace(/^\.\//, '');
  if (g.endsWith('/')) g = g.slice(0, -1);
  if (g.startsWith('/')) g = g.slice(1);
  const anywhere = !g.includes('/');
  return new RegExp(`^${anywhere ? '(?:[^/]*/)*' : ''}${globToRegexSource(g, { braces: true })}$`);
}
