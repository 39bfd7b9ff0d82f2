/**
 * npm run replay -- --dlq <topic> [--to <topic>] [--since <time>] [--until <time>] [--reason <code>] [--dry-run] [--config FILE]
 *
 * Re-publishes dead-lettered messages (see scripts/tools/replay-run.ts for how
 * it stays idempotent, scripts/tools/replay-plan.ts for the headers). Progress
 * on stderr, the summary on stdout.
 */
import { parseReplayArgs, REPLAY_USAGE } from './tools/replay-args';
import { formatSummary } from './tools/replay-plan';
import { runReplay } from './tools/replay-run';
import { runToolCommand } from './tools/tool-kafka';

runToolCommand('replay', REPLAY_USAGE, parseReplayArgs, async (o, kafka, say) => {
  const summary = await runReplay(kafka, o, { out: say, progress: process.stderr, now: () => Date.now(), idleMs: 30_000 });
  say(formatSummary(summary, o));
  return 0;
});
