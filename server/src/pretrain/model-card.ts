/** The model card (models/<name>/README.md), rendered from the recipe's results.json. */
import type { ModelConfig } from '../model/config.js';
import type { ModelResult, RecipeOptions } from './recipe.js';

export interface RecipeResults {
  mf: ModelResult;
  dense: ModelResult;
  tokenizer: { vocabSize: number };
  recipe: Omit<RecipeOptions, 'log'>;
  machine?: string;
  mfConfig?: ModelConfig;
  /** Set when the shipped tables were converted after training (memoryformer convert): both, measured side by side. */
  tablePrecision?: TablePrecision;
}

export interface TablePrecision {
  /** How the figures were measured (the commands). */
  how: string;
  rows: Array<{ tableDtype: string; bitsPerByte: number; exactMatch: number; editSimilarity: number; fileBytes: number }>;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const g = (f: number) => (f >= 1e9 ? `${(f / 1e9).toFixed(2)}G` : `${(f / 1e6).toFixed(2)}M`);

const TABLE_BYTES: Record<ModelConfig['tableDtype'], string> = {
  float32: '4 bytes per value',
  float16: 'half the bytes of fp32',
  int8: 'a quarter of the bytes of fp32, plus one fp32 scale per row',
};

function precisionSection(t: TablePrecision): string {
  const rows = t.rows.map((x) => `| ${x.tableDtype} | ${x.bitsPerByte.toFixed(4)} | ${pct(x.exactMatch)} | ${pct(x.editSimilarity)} | ${mb(x.fileBytes)} |`);
  return `## Table precision
The tables were trained in float32 and stored after training; the stored forms, measured side by side
on the same held-out files (${t.how}):

| tables | bits/byte | EM | ES | model.safetensors |
|---|---|---|---|---|
${rows.join('\n')}

`;
}

export function renderModelCard(r: RecipeResults): string {
  const row = (name: string, m: ModelResult) =>
    `| ${name} | ${m.eval.bpb.bitsPerByte.toFixed(3)} | ${pct(m.eval.lineCompletion.exactMatch)} | ${pct(m.eval.lineCompletion.editSimilarity)} | ` +
    `${pct(m.eval.lineCompletion.lineStart.exactMatch)} / ${pct(m.eval.lineCompletion.midLine.exactMatch)} | ${g(m.flopsPerTokenNoAttention)} | ` +
    `${(m.params / 1e6).toFixed(2)}M | ${mb(m.weightBytes)} | ${m.steps} | ${(m.tokensSeen / 1e6).toFixed(2)}M | ${(m.trainSeconds / 60).toFixed(1)} min |`;
  const c = r.mfConfig;
  return `# ${r.recipe.modelName}

The default code-completion model shipped with MemoryFormer for VS Code: a small MemoryFormer
(arXiv 2411.12992) trained from scratch on permissively licensed code on a 2-core CPU, with its
recipe in the repository (\`npm run pretrain\`, server/src/pretrain/recipe.ts).

## Config
${c ? `- preset \`${r.recipe.preset}\`: d = ${c.dModel}, ${c.nLayers} layers, ${c.nHeads} heads, tau = ${c.tau}, ${c.expandBits} expanding bits, hash temperature ${c.hashTemperature}, rotary on ${c.rotaryFraction * 100}% of each head, context ${c.maxSeqLen} tokens
- tables stored as ${c.tableDtype} (${TABLE_BYTES[c.tableDtype]}; the dashboard and \`memoryformer flops\` show every dtype's size)` : `- preset \`${r.recipe.preset}\``}
- tokenizer: byte-level BPE, ${r.tokenizer.vocabSize} tokens, fill-in-the-middle special tokens (tokenizer.json, Hugging Face format)

## Training
- corpus: pinned npm and Debian packages under permissive licenses, listed with their licenses in SOURCES.md
  (docs/CORPUS.md has the filters); split by file into train / validation / held-out test
- documents: half in fill-in-the-middle SPM form, half plain, each ended by <|endoftext|>
- ${r.recipe.batch} sequences x ${r.recipe.seq} tokens per step, AdamW with the paper's recipe (lr 3e-3 for
  MemoryFormer, 1e-3 for the dense twin, betas 0.9/0.95, weight decay 0.1, clip 1.0, cosine schedule with warm-up), seed ${r.recipe.seed}
- the dense twin (same d, layers, heads, vocabulary; Pythia-style Q/K/V/O projections and 4x GeLU FFN) is trained
  on the same data for the same number of steps (the identical token budget); its weights are not shipped
${r.machine ? `- machine: ${r.machine}\n` : ''}
## Results on held-out files (never seen in training)
Bits per byte over the held-out files (up to ${Math.round(r.mf.eval.bpb.bytes / 1024)} KB), and line completion at ${r.mf.eval.lineCompletion.positions}
sampled cursor positions (half at line starts, half mid-line): exact match and edit similarity of the rest of the line
(\`memoryformer eval\`, seed ${r.recipe.seed}).

| model | bits/byte | EM | ES | EM line start / mid-line | FLOPs/token (blocks, no attention) | params | weights on disk | steps | tokens seen | training time |
|---|---|---|---|---|---|---|---|---|---|---|
${row('MemoryFormer (shipped)', r.mf)}
${row('dense twin', r.dense)}

FLOPs per token count one multiply-add as one FLOP (the paper's convention) over the transformer blocks
without attention; the LM head (d x vocab) is the same in both and not included.

${r.tablePrecision ? precisionSection(r.tablePrecision) : ''}## Limitations
A few million tokens on a laptop-class CPU make a small model: it completes common idioms and
identifiers of the surrounding code, not whole functions. Fine-tune it on your workspace
(\`MemoryFormer: Fine-tune on Workspace\`) for code it has not seen.
`;
}
