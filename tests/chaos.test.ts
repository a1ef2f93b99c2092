/**
 * The fault-injection suite, small: about 100 authorities on three real worker
 * processes, two of them SIGKILLed, one Redis restart, a relay outage and a
 * faulty SMTP server. `npm run chaos` is the full-size run (1,000 and 5 kills).
 */
import { describe, expect, it } from 'vitest';
import { runChaos } from '../scripts/chaos.js';

describe('the fault-injection suite', () => {
  it('delivers every letter exactly once through worker kills, a Redis restart and a faulty relay', async () => {
    const lines: string[] = [];
    const result = await runChaos({
      authorities: 100,
      kills: 2,
      redisRestarts: 1,
      seed: 11,
      timeoutMs: 100_000,
      log: (line) => lines.push(line),
    });

    expect(result.problems, lines.join('\n')).toEqual([]);
    expect(result.line).toMatch(
      /^chaos: (\d+) deliveries expected, \1 delivered, 0 duplicates, 0 lost, \d+ permanent failures \(as injected\), 2 worker kills, 1 redis restarts, \d+ resent in the documented window$/,
    );
    expect(result.permanentFailures).toBe(result.injectedPermanent);
    expect(result.permanentFailures).toBeGreaterThan(0);
    expect(result.breakerOpens).toBeGreaterThanOrEqual(1);
    // Every letter a killed worker left claimed was taken over and logged.
    expect(result.recoveries).toBeGreaterThanOrEqual(result.windowResends);
    expect(result.ok).toBe(true);
  }, 120_000);

  it('delivers every letter exactly once when the Redis primary is SIGKILLed while its replica lags, with a worker kill and a faulty relay', async () => {
    const lines: string[] = [];
    const result = await runChaos({
      authorities: 50,
      kills: 1,
      failovers: 1,
      seed: 5,
      timeoutMs: 100_000,
      log: (line) => lines.push(line),
    });

    expect(result.problems, lines.join('\n')).toEqual([]);
    expect(result.line).toMatch(
      /^chaos: (\d+) deliveries expected, \1 delivered, 0 duplicates, 0 lost, \d+ permanent failures \(as injected\), 1 worker kills, 0 redis restarts, \d+ resent in the documented window, 1 failovers$/,
    );
    expect(result.ok).toBe(true);
  }, 120_000);
});
