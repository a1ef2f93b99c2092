/**
 * The files of an evidence pack, by name: `evidence` writes them and
 * `verify` reads them, so both spell each path here.
 *
 *   manifest.jsonl                 the hash chain (manifest.ts)
 *   signature.json                 Ed25519 over the chain's head
 *   README.txt                     what the pack is and how to check it
 *   approvals/<sha256>.json        every approval of the campaign
 *   stored-campaign.json           the campaign as `run` stored it, and the check against its approval
 *   campaign/<name>                the campaign folder as approved (an information request's: excerpts)
 *   messages/<authority>/<recipient>-<sha256 first 12>.eml   each letter, byte for byte as the relay received it
 *   report.csv                     the report's rows
 */
export const PACK = {
  manifest: 'manifest.jsonl',
  signature: 'signature.json',
  readme: 'README.txt',
  storedCampaign: 'stored-campaign.json',
  report: 'report.csv',
  approval: (sha256: string) => `approvals/${sha256}.json`,
  campaignFile: (name: string) => `campaign/${name}`,
  campaignFolder: 'campaign',
  message: (authority: string, recipient: string, sha256: string) => `messages/${authority}/${recipient}-${sha256.slice(0, 12)}.eml`,
} as const;
