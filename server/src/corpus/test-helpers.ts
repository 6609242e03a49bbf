/** Random code-like text for corpus tests (seeded, so failures reproduce). */
import { Rng } from '../util/rng.js';

const WORDS = ['value', 'index', 'result', 'count', 'items', 'config', 'name', 'data', 'next', 'total', 'über', 'naïve', '名前', '🙂'];

export function randomIdentifier(rng: Rng): string {
  return WORDS[rng.int(WORDS.length)]!.replace(/[^\w]/g, '') + rng.int(100);
}

/** A JS-ish source file of about `lines` lines (some non-ASCII characters in strings and comments). */
export function randomSource(rng: Rng, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const indent = '  '.repeat(rng.int(3));
    switch (rng.int(4)) {
      case 0: out.push(`${indent}const ${randomIdentifier(rng)} = ${randomIdentifier(rng)} + ${rng.int(1000)};`); break;
      case 1: out.push(`${indent}// ${WORDS[rng.int(WORDS.length)]} ${WORDS[rng.int(WORDS.length)]}`); break;
      case 2: out.push(`${indent}if (${randomIdentifier(rng)} > ${rng.int(10)}) return '${WORDS[rng.int(WORDS.length)]}';`); break;
      default: out.push(`${indent}function ${randomIdentifier(rng)}(${randomIdentifier(rng)}) { return ${rng.int(50)}; }`);
    }
  }
  return out.join('\n') + '\n';
}
