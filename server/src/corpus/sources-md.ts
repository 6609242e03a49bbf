/**
 * models/<name>/SOURCES.md: what a shipped model was trained on, with licenses, so that the
 * attribution travels with the weights. Generated from the corpus manifest.
 */
import type { CorpusManifest } from './manifest.js';
import { corpusTotals } from './manifest.js';

function kb(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

export function renderSourcesMarkdown(manifest: CorpusManifest, modelName: string): string {
  const used = manifest.sources.filter((s) => s.status === 'used' && s.files > 0);
  const refused = manifest.sources.filter((s) => s.status === 'refused');
  const t = corpusTotals(manifest);
  const lines = [
    `# Training sources of ${modelName}`,
    '',
    `${modelName} was pretrained on ${t.filesKept} source files (${(t.bytesKept / 1e6).toFixed(2)} MB) from ${used.length} packages,`,
    'all under permissive licenses (MIT, ISC, BSD-2/3-Clause, Apache-2.0, PSF, 0BSD), pinned by exact version in',
    'scripts/corpus-sources.json. Files were filtered (no minified, generated, vendored or declaration files) and',
    'deduplicated; see docs/CORPUS.md. The copyright of each file stays with its authors; the packages are',
    'available from their registries at the versions below.',
    '',
    '| Source | Package | Version | License | Files | KB |',
    '|---|---|---|---|---:|---:|',
    ...used.map((s) => `| ${s.kind} | ${s.name} | ${s.version} | ${s.license} | ${s.files} | ${kb(s.bytes)} |`),
    '',
  ];
  if (refused.length) {
    lines.push('Refused (license not permissive or not determinable; none of their files were used):', '');
    for (const s of refused) lines.push(`- ${s.kind} ${s.name} ${s.version}: ${s.reason ?? s.license}`);
    lines.push('');
  }
  return lines.join('\n');
}
