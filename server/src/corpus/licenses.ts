/**
 * Which licenses the corpus accepts: permissive ones only (MIT, ISC, BSD-2/3, Apache-2.0, PSF, 0BSD),
 * so the trained model and its SOURCES.md can ship with the extension without copyleft terms.
 *
 * Inputs are SPDX-like strings from package.json `license` or from Debian copyright files
 * (`License: BSD-3-clause`, `Expat`, `PSF-2.0`). Expressions: `A OR B` is accepted when any
 * alternative is accepted (we may pick it), `A AND B` only when every part is accepted.
 */

/** Canonical names we accept, keyed by the lower-case spellings seen in the wild. */
const ACCEPTED: ReadonlyMap<string, string> = new Map([
  ['mit', 'MIT'],
  ['expat', 'MIT'], // Debian's name for the MIT license
  ['mit-0', 'MIT-0'],
  ['isc', 'ISC'],
  ['bsd-2-clause', 'BSD-2-Clause'],
  ['bsd-2', 'BSD-2-Clause'],
  ['bsd-3-clause', 'BSD-3-Clause'],
  ['bsd-3', 'BSD-3-Clause'],
  ['0bsd', '0BSD'],
  ['apache-2.0', 'Apache-2.0'],
  ['apache-2', 'Apache-2.0'],
  ['apache 2.0', 'Apache-2.0'],
  ['psf', 'PSF-2.0'],
  ['psf-2.0', 'PSF-2.0'],
  ['psf-2', 'PSF-2.0'],
  ['python-2.0', 'PSF-2.0'],
  ['python', 'PSF-2.0'],
]);

export const ACCEPTED_LICENSE_NAMES = ['MIT', 'ISC', 'BSD-2-Clause', 'BSD-3-Clause', '0BSD', 'Apache-2.0', 'PSF-2.0', 'MIT-0'];

export type LicenseVerdict = { accepted: true; license: string } | { accepted: false; license: string; reason: string };

/** One license name -> its canonical accepted name, or undefined. Tolerates "(MIT)" and trailing '+'. */
function canonical(name: string): string | undefined {
  const n = name.trim().replace(/^\(+|\)+$/g, '').trim().toLowerCase();
  return ACCEPTED.get(n) ?? ACCEPTED.get(n.replace(/\+$/, ''));
}

/** Splits on a top-level operator (outside parentheses), case-insensitive. */
function splitTopLevel(expr: string, op: 'or' | 'and'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const lower = expr.toLowerCase();
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && lower.startsWith(` ${op} `, i)) {
      parts.push(expr.slice(start, i));
      start = i + op.length + 2;
      i = start - 1;
    }
  }
  parts.push(expr.slice(start));
  return parts.map((p) => p.trim());
}

function stripParens(s: string): string {
  let t = s.trim();
  while (t.startsWith('(') && t.endsWith(')')) {
    // Only strip when the parentheses enclose the whole expression.
    let depth = 0;
    let enclosing = true;
    for (let i = 0; i < t.length - 1; i++) {
      if (t[i] === '(') depth++;
      else if (t[i] === ')') depth--;
      if (depth === 0) { enclosing = false; break; }
    }
    if (!enclosing) break;
    t = t.slice(1, -1).trim();
  }
  return t;
}

/** Returns the accepted canonical license an expression allows us to use, or undefined. */
function evaluate(expr: string): string | undefined {
  const e = stripParens(expr);
  const alternatives = splitTopLevel(e, 'or');
  if (alternatives.length > 1) {
    for (const alt of alternatives) {
      const ok = evaluate(alt);
      if (ok) return ok;
    }
    return undefined;
  }
  const conjuncts = splitTopLevel(e, 'and');
  if (conjuncts.length > 1) {
    const names = conjuncts.map(evaluate);
    return names.every((n) => n !== undefined) ? [...new Set(names)].join(' AND ') : undefined;
  }
  return canonical(e);
}

/** Decides whether a license expression is acceptable for the corpus. */
export function checkLicense(license: string | undefined | null): LicenseVerdict {
  if (license === undefined || license === null || license.trim() === '') {
    return { accepted: false, license: '(none)', reason: 'no license declared' };
  }
  const ok = evaluate(license);
  if (ok) return { accepted: true, license: ok };
  return {
    accepted: false,
    license,
    reason: `license '${license}' is not one of the accepted permissive licenses (${ACCEPTED_LICENSE_NAMES.join(', ')})`,
  };
}

/**
 * The license of a Debian package from its machine-readable copyright file (DEP-5): every
 * `License:` of a `Files:` stanza, except the stanza for debian/* (the packaging, which we do not
 * use). All of them must be accepted, since we take every .py file the package ships.
 */
export function debianCopyrightLicense(copyright: string): LicenseVerdict {
  const stanzas = copyright.split(/\n\s*\n/);
  const licenses: string[] = [];
  for (const stanza of stanzas) {
    const files = /^Files:\s*(.*(?:\n[ \t].*)*)/m.exec(stanza);
    if (!files) continue;
    const patterns = files[1]!.split(/\s+/).filter(Boolean);
    if (patterns.length > 0 && patterns.every((p) => p.startsWith('debian/'))) continue;
    const lic = /^License:\s*(.+)$/m.exec(stanza);
    if (lic) licenses.push(lic[1]!.trim());
  }
  if (licenses.length === 0) {
    return { accepted: false, license: '(unknown)', reason: 'copyright file has no machine-readable Files:/License: stanzas' };
  }
  const unique = [...new Set(licenses)];
  const verdicts = unique.map(checkLicense);
  const refused = verdicts.find((v) => !v.accepted);
  if (refused) {
    return { accepted: false, license: unique.join('; '), reason: `some files are under '${refused.license}', which is not an accepted permissive license` };
  }
  const names = [...new Set(verdicts.map((v) => v.license))];
  return { accepted: true, license: names.join(' AND ') };
}
