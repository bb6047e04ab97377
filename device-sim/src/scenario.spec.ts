import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawDelay, loadScenario, parseDelay, planBehaviours, scenarioFrom, seededRandom } from './scenario';

describe('scenarios', () => {
  it('plans exactly the share of each behaviour (largest remainder), in a shuffled order', () => {
    const plan = planBehaviours(
      { approve: 0.6, deny: 0.1, not_me: 0.05, ignore: 0.1, cancel: 0.15 },
      40,
      seededRandom(7),
    );
    const count = (b: string) => plan.filter((p) => p === b).length;
    expect(plan).toHaveLength(40);
    expect([count('approve'), count('deny'), count('not_me'), count('ignore'), count('cancel')]).toEqual([
      24, 4, 2, 4, 6,
    ]);
    expect(plan.slice(0, 24).every((p) => p === 'approve')).toBe(false);
  });

  it('gives remainders to the largest fractions, so the total is always the count', () => {
    const plan = planBehaviours({ approve: 1, deny: 1, not_me: 1, ignore: 0, cancel: 0 }, 10, seededRandom(1));
    expect(plan).toHaveLength(10);
    expect(new Set(plan)).toEqual(new Set(['approve', 'deny', 'not_me']));
  });

  it('parses delay distributions and refuses malformed ones with the accepted forms', () => {
    expect(parseDelay('fixed:300')).toEqual({ kind: 'fixed', ms: 300 });
    expect(parseDelay('uniform:200-2000')).toEqual({ kind: 'uniform', minMs: 200, maxMs: 2000 });
    expect(parseDelay('lognormal:800,0.6')).toEqual({ kind: 'lognormal', medianMs: 800, sigma: 0.6 });
    expect(() => parseDelay('uniform:2000-200')).toThrow(/fixed:MS, uniform:MIN-MAX/);
    expect(() => parseDelay('gamma:3')).toThrow(/is not one of/);
  });

  it('draws delays inside the distribution, with a lognormal median near the one asked', () => {
    const random = seededRandom(3);
    const uniform = Array.from({ length: 1000 }, () => drawDelay({ kind: 'uniform', minMs: 100, maxMs: 200 }, random));
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...uniform)).toBeLessThanOrEqual(200);
    const lognormal = Array.from({ length: 4001 }, () =>
      drawDelay({ kind: 'lognormal', medianMs: 800, sigma: 0.5 }, random),
    ).sort((a, b) => a - b);
    expect(lognormal[2000]).toBeGreaterThan(700);
    expect(lognormal[2000]).toBeLessThan(900);
  });

  it('reads a YAML file over a built-in, and its shares replace the built-in ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    try {
      const file = join(dir, 'fleet-a.yaml');
      writeFileSync(
        file,
        'extends: mixed\nname: fleet A\nowners:\n  approve: 3\n  ignore: 1\nanswerDelay: exponential:900\nexpirySeconds: 30\n',
      );
      const scenario = await loadScenario(file);
      expect(scenario.name).toBe('fleet A');
      expect(scenario.owners).toEqual({ approve: 3, deny: 0, not_me: 0, ignore: 1, cancel: 0 });
      expect(scenario.answerDelay).toEqual({ kind: 'exponential', meanMs: 900 });
      expect(scenario.offline.share).toBe(0.1); // from mixed
      const json = join(dir, 'b.json');
      writeFileSync(json, JSON.stringify({ owners: { deny: 1 } }));
      expect((await loadScenario(json)).owners.deny).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown fields, shares above 1 and scenarios where nobody does anything, naming the field', async () => {
    expect(() => scenarioFrom({ owner: { approve: 1 } }, 'x.yaml')).toThrow("x.yaml: unknown field 'owner'");
    expect(() => scenarioFrom({ offline: { shar: 1 } })).toThrow("unknown field 'offline.shar'");
    expect(() => scenarioFrom({ offline: { share: 2 } })).toThrow('offline.share is a share, from 0 to 1');
    expect(() => scenarioFrom({ owners: { approve: 0 } })).toThrow('add up to nothing');
    expect(() => scenarioFrom({ expirySeconds: -1 })).toThrow('expirySeconds must be a number >= 0');
    await expect(loadScenario('no-such-scenario')).rejects.toThrow(/neither a built-in \(happy, mixed, storm\)/);
  });
});
