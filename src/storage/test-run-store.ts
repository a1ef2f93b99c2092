/**
 * A test run's settings (`run --test-to`): the one inbox every letter of
 * campaign "<id>~test" goes to, and the wording of its test marks, kept for
 * the workers so that jobs carry ids only (StorageKeys.testRun).
 */
import type { Redis } from 'ioredis';
import { isTestCampaign, type TestRunSettings, testCampaignId } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeTestRunSettings, encodeTestRunSettings } from './records.js';

export class TestRunStore {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StorageKeys(prefix);
  }

  async save(settings: TestRunSettings): Promise<void> {
    await this.redis.set(this.keys.testRun(testCampaignId(settings.campaign)), encodeTestRunSettings(settings));
  }

  /** The settings of a test campaign's run; null for a real campaign, or when none are stored. */
  async get(testCampaign: string): Promise<TestRunSettings | null> {
    if (!isTestCampaign(testCampaign)) return null;
    const json = await this.redis.get(this.keys.testRun(testCampaign));
    return json ? decodeTestRunSettings(json) : null;
  }
}
