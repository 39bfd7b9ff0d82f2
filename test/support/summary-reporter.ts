/**
 * mocha's spec reporter plus one plain closing line, "N passed, N failed,
 * N skipped", that CI tooling reads whatever the test runner.
 */
import Mocha from 'mocha';

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once('end', () => {
      const s = runner.stats;
      if (!s) return;
      process.stdout.write(`\n${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

export = SummaryReporter;
