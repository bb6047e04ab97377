import { evaluateChecks, parseMaxP99, parseSuccessRate } from './checks';
import { summarise } from './recorder';

const phases = {
  acknowledged: summarise([5, 6]),
  owner_notified: summarise([10]),
  approval_to_tokens: summarise([20, 30, 40, 45]),
  end_to_end: summarise([]),
};

describe('pipeline checks', () => {
  it('parses durations in ms or s for a named phase', () => {
    expect(parseMaxP99('approval_to_tokens=50ms')).toEqual({ kind: 'max_p99', phase: 'approval_to_tokens', maxMs: 50 });
    expect(parseMaxP99('end_to_end=2s')).toEqual({ kind: 'max_p99', phase: 'end_to_end', maxMs: 2000 });
    expect(() => parseMaxP99('tokens=5ms')).toThrow(
      /phase of acknowledged, owner_notified, approval_to_tokens, end_to_end/,
    );
    expect(() => parseSuccessRate('99%')).toThrow('fraction from 0 to 1');
  });

  it('fails a bound the p99 exceeds, and one with no samples, and passes the others', () => {
    const results = evaluateChecks(
      [
        parseMaxP99('approval_to_tokens=44ms'),
        parseMaxP99('approval_to_tokens=45ms'),
        parseMaxP99('end_to_end=1s'),
        parseSuccessRate('0.9'),
      ],
      { flows: 10, success_rate: 0.9, phases },
    );
    expect(results.map((r) => r.passed)).toEqual([false, true, false, true]);
    expect(results[0]).toEqual({ check: 'p99 approval_to_tokens <= 44 ms', passed: false, actual: '45 ms' });
    expect(results[2].actual).toBe('no samples');
  });

  it('fails the success rate below the bound and when nothing ran', () => {
    expect(evaluateChecks([parseSuccessRate('0.99')], { flows: 100, success_rate: 0.98, phases })[0].passed).toBe(
      false,
    );
    expect(evaluateChecks([parseSuccessRate('0')], { flows: 0, success_rate: 0, phases })[0]).toMatchObject({
      passed: false,
      actual: 'no flows',
    });
  });
});
