import { PHASES, type Phase } from './recorder';
import type { CheckResult, SimReport } from './report-model';

/** A pipeline check on the report (`--expect-success-rate`, `--max-p99`). */
export type Check = { kind: 'success_rate'; min: number } | { kind: 'max_p99'; phase: Phase; maxMs: number };

/** `0.99` → a success-rate check (0 to 1). */
export function parseSuccessRate(text: string): Check {
  const min = Number(text);
  if (text.trim() === '' || !Number.isFinite(min) || min < 0 || min > 1)
    throw new Error(`--expect-success-rate takes a fraction from 0 to 1 (such as 0.99), not '${text}'`);
  return { kind: 'success_rate', min };
}

/** `approval_to_tokens=50ms` (or `=2s`, or `=50`: milliseconds) → a p99 bound on a phase. */
export function parseMaxP99(text: string): Check {
  const match = /^([a-z_]+)=([0-9]+(?:\.[0-9]+)?)(ms|s)?$/.exec(text.trim());
  if (!match || !(PHASES as readonly string[]).includes(match[1]))
    throw new Error(
      `--max-p99 takes PHASE=DURATION with a phase of ${PHASES.join(', ')} and a duration such as 50ms or 2s, not '${text}'`,
    );
  const value = Number(match[2]) * (match[3] === 's' ? 1000 : 1);
  return { kind: 'max_p99', phase: match[1] as Phase, maxMs: value };
}

/**
 * Evaluates the checks. The success rate is the share of flows that ended as the scenario asked
 * (an approval approved, a denial denied, an ignored request expired, a cancellation cancelled).
 */
export function evaluateChecks(
  checks: readonly Check[],
  report: Pick<SimReport, 'flows' | 'success_rate' | 'phases'>,
): CheckResult[] {
  return checks.map((check) => {
    if (check.kind === 'success_rate') {
      const rate = report.success_rate;
      return {
        check: `success rate >= ${check.min}`,
        passed: report.flows > 0 && rate >= check.min,
        actual: report.flows > 0 ? rate.toFixed(4) : 'no flows',
      };
    }
    const phase = report.phases[check.phase];
    return {
      check: `p99 ${check.phase} <= ${check.maxMs} ms`,
      passed: phase.count > 0 && phase.p99 <= check.maxMs,
      actual: phase.count > 0 ? `${phase.p99} ms` : 'no samples',
    };
  });
}
