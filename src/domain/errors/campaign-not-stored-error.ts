/** A command or job named a campaign that is not stored in Redis; `run` or `schedule` stores it. */
export class CampaignNotStoredError extends Error {
  override name = 'CampaignNotStoredError';
  constructor(readonly campaign: string) {
    super(`campaign ${campaign} is not stored; run \`run --data DIR\` or \`schedule --data DIR\` first`);
  }
}
