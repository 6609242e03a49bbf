/**
 * A deterministic code-like corpus for training tests: short TypeScript-ish lines built from a
 * small vocabulary by a seeded RNG, so it has structure beyond unigram statistics (keywords,
 * identifiers, punctuation in order) and does not change when the repository's files do.
 */
import { Rng } from '../../server/src/util/rng.js';

const NAMES = ['count', 'index', 'value', 'result', 'items', 'total', 'name', 'data', 'size', 'next'];
const FUNCS = ['push', 'get', 'set', 'map', 'filter', 'reduce', 'slice', 'join'];

export function syntheticCode(bytes: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const pick = <T>(a: T[]) => a[rng.int(a.length)]!;
  let text = '';
  while (text.length < bytes) {
    const a = pick(NAMES);
    const b = pick(NAMES);
    switch (rng.int(4)) {
      case 0: text += `const ${a} = ${b}.${pick(FUNCS)}(${rng.int(10)});\n`; break;
      case 1: text += `for (let i = 0; i < ${a}.length; i++) {\n  ${b} += ${a}[i];\n}\n`; break;
      case 2: text += `if (${a} > ${rng.int(100)}) return ${b};\n`; break;
      default: text += `function ${a}(${b}) {\n  return ${b}.${pick(FUNCS)}();\n}\n`;
    }
  }
  return Int32Array.from(Buffer.from(text.slice(0, bytes), 'latin1'));
}

/** Entropy (nats) of the token frequencies: the loss of the best model that ignores context. */
export function unigramEntropy(tokens: Int32Array, vocab: number): number {
  const counts = new Float64Array(vocab);
  for (const t of tokens) counts[t]! += 1;
  let h = 0;
  for (const c of counts) if (c) h -= (c / tokens.length) * Math.log(c / tokens.length);
  return h;
}
