// Prints the plain closing line `N passed, N failed, N skipped` that CI reads.
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** Whether a suite around the test (or its file) failed by itself, in a beforeAll say. */
function aroundFailed(test: TestCase): boolean {
  for (let parent = test.parent; ; parent = parent.parent) {
    if (parent.errors().length > 0) return true;
    if (parent.type === 'module') return false;
  }
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        // A test that never ran because its suite failed to set up did not pass: it failed.
        else if (state === 'failed' || aroundFailed(test)) failed++;
        else skipped++;
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
