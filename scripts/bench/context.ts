/** What every case receives: the round plan, and figures earlier cases leave for later ones. */
import type { RoundPlan } from './stats';

export interface BenchContext {
  plan: RoundPlan;
  quick: boolean;
  /** Median in-thread encode time per message (default format), set by case a. */
  encodeMsPerMessage?: number;
}
