#!/usr/bin/env node
// `npm test`: system tools (test/ensure-system.mjs), build, type-check, unit tests, then browser tests inside the loopback-only network
// namespace. Ends with one line `tests: N passed, N failed, N skipped` summed over both vitest
// runs (read from their JSON reports), and exits non-zero if any step failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reports = mkdtempSync(join(tmpdir(), 'deploynet-test-'));
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function run(label, command, args) {
  console.log(`\n==> ${label}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return result.status === 0;
}

function vitest(project, wrap) {
  const out = join(reports, `${project}.json`);
  const args = ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`];
  const ok = wrap ? run(`${project} tests (loopback-only network namespace)`, 'node', ['test/run-in-netns.mjs', npx, ...args]) : run(`${project} tests`, npx, args);
  return { ok, out };
}

const steps = [];
steps.push(run('system tools for the browser tests', 'node', ['test/ensure-system.mjs']));
steps.push(run('build', 'node', ['esbuild.config.mjs']));
steps.push(run('type-check', npx, ['tsc', '-b']));
const unit = vitest('unit', false);
const browser = vitest('browser', true);
steps.push(unit.ok, browser.ok);

let passed = 0;
let failed = 0;
let skipped = 0;
for (const { out } of [unit, browser]) {
  if (!existsSync(out)) {
    failed += 1; // the runner died before reporting: count it, never hide it
    continue;
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(steps.every(Boolean) && failed === 0 ? 0 : 1);
