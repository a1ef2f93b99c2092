/**
 * The test run's namespace: campaign "<id>~test" is the test run of campaign
 * "<id>" (its stored snapshot, ledger namespace, job ids and Message-IDs).
 * '~' cannot appear in a real campaign id, and BullMQ allows it in job ids.
 */
const TEST_SUFFIX = '~test';

/** "2023-24" -> "2023-24~test". */
export function testCampaignId(campaign: string): string {
  return `${campaign}${TEST_SUFFIX}`;
}

export function isTestCampaign(campaign: string): boolean {
  return campaign.endsWith(TEST_SUFFIX);
}
