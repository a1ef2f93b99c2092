/**
 * Approvals in Redis, so a worker or scheduler on another host sees the same
 * ones: the latest approval of each campaign, every approval ever given (by
 * its sha256: the report's manifest names the one the letters went out
 * under, even after a later approval), and what `run` or `schedule` stored
 * under it (the StoredCheck). The checks themselves are src/safety/approval.ts.
 *
 *   StorageKeys.approval(campaign)         the latest Approval
 *   StorageKeys.approvalHistory(campaign)  sha256 -> Approval, every one
 *   StorageKeys.approvalStored(campaign)   the StoredCheck
 */
import type { Redis } from 'ioredis';
import type { Approval, StoredCheck } from '../domain/index.js';
import { StorageKeys } from './keys.js';
import { decodeApproval, decodeStoredCheck, encodeApproval, encodeStoredCheck } from './records.js';

export class ApprovalStore {
  private readonly keys: StorageKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new StorageKeys(prefix);
  }

  async save(approval: Approval): Promise<void> {
    const json = encodeApproval(approval);
    await this.redis
      .multi()
      .set(this.keys.approval(approval.campaign), json)
      .hset(this.keys.approvalHistory(approval.campaign), approval.sha256, json)
      .exec();
  }

  /** The latest approval of the campaign. */
  async get(campaign: string): Promise<Approval | null> {
    const json = await this.redis.get(this.keys.approval(campaign));
    return json ? decodeApproval(json) : null;
  }

  /** The approval with this sha256, whether or not it is still the latest. */
  async bySha256(campaign: string, sha256: string): Promise<Approval | null> {
    const json = await this.redis.hget(this.keys.approvalHistory(campaign), sha256);
    return json ? decodeApproval(json) : null;
  }

  /** Every approval the campaign was ever given, oldest first. */
  async history(campaign: string): Promise<Approval[]> {
    const all = await this.redis.hvals(this.keys.approvalHistory(campaign));
    return all.map(decodeApproval).sort((a, b) => a.at.localeCompare(b.at));
  }

  async recordStored(check: StoredCheck): Promise<void> {
    await this.redis.set(this.keys.approvalStored(check.campaign), encodeStoredCheck(check));
  }

  async getStored(campaign: string): Promise<StoredCheck | null> {
    const json = await this.redis.get(this.keys.approvalStored(campaign));
    return json ? decodeStoredCheck(json) : null;
  }
}
