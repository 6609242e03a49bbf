/**
 * Which dense layer each Memory Layer replaces: Q, K, V replace the dense projections of the same
 * name, ML1 and ML2 replace the FFN's up and down projections. The dense output projection O has no
 * counterpart (a MemoryFormer block has none).
 */
import type { ReportLayer } from '../../../protocol/webview.js';

const REPLACES: Readonly<Record<string, string>> = Object.freeze({ Q: 'Q', K: 'K', V: 'V', ML1: 'FFN up', ML2: 'FFN down' });

export interface LayerPair {
  /** "Q", "FFN up / ML1", "O": a label for charts. */
  label: string;
  memory: ReportLayer | undefined;
  dense: ReportLayer | undefined;
}

/** Dense layers in their order, each with the Memory Layer replacing it; Memory Layers with no known counterpart come last. */
export function layerPairs(memory: ReportLayer[], dense: ReportLayer[]): LayerPair[] {
  const used = new Set<ReportLayer>();
  const pairs = dense.map((d): LayerPair => {
    const m = memory.find((x) => REPLACES[x.name] === d.name);
    if (m) used.add(m);
    return { label: m && m.name !== d.name ? `${d.name} / ${m.name}` : d.name, memory: m, dense: d };
  });
  for (const m of memory) if (!used.has(m)) pairs.push({ label: m.name, memory: m, dense: undefined });
  return pairs;
}
