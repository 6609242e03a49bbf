/**
 * Entry point of the extension-host tests (VS Code's extensionTestsPath): runs the mocha suites in
 * the real extension host, resolves when all pass, rejects otherwise (VS Code then exits non-zero;
 * code-server's page calls window.codeAutomationExit(code)). When MEMORYFORMER_HOST_TEST_REPORT names
 * a file, a JSON summary is written there too, for drivers that cannot read the host's console.
 */
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

interface Report {
  passes: string[];
  failures: { title: string; error: string }[];
  pending: string[];
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // Registers describe/it for the suites bundled below; they register their tests when required.
  mocha.suite.emit('pre-require', globalThis, 'extension-host-suite', mocha);
  require('./extension.host-test.js');
  const report: Report = { passes: [], failures: [], pending: [] };
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const path = process.env.MEMORYFORMER_HOST_TEST_REPORT;
      if (path) writeFileSync(path, JSON.stringify(report, null, 2));
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => report.passes.push(t.fullTitle()));
    runner.on('pending', (t) => report.pending.push(t.fullTitle()));
    runner.on('fail', (t, err: Error) => report.failures.push({ title: t.fullTitle(), error: err.stack ?? err.message }));
  });
}
