/**
 * The dashboard's restated FlopsReport (protocol/webview.ts) must stay a view of the server's real one
 * (server/src/model/flops.ts): these assignments fail `tsc` when the server's type drifts. At run
 * time, the output of the real command passes the page's validator.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FlopsReport } from '../../server/src/model/flops.js';
import { validateFlopsReport, type DashboardFlopsReport } from '../../protocol/webview.js';

export const serverReportFitsThePage = (r: FlopsReport): DashboardFlopsReport => r;

test('`memoryformer flops --json` output passes the dashboard\'s validator, for every preset', () => {
  const root = join(__dirname, '..', '..');
  for (const [preset, seq] of [['paper-tiny', 2048], ['code-mini', 512], ['code-small', 777]] as const) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(root, 'server/src/cli/main.ts'), 'flops', '--preset', preset, '--seq', String(seq), '--json'], { cwd: root, encoding: 'utf8' });
    const report = JSON.parse(out) as FlopsReport;
    assert.equal(validateFlopsReport(serverReportFitsThePage(report)), undefined, preset);
    assert.equal(report.seqLen, seq);
  }
});
