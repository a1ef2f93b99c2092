/** `evidence` cannot make a true pack (a test run, nothing recorded, a campaign folder that is not the approved one): nothing is written. */
export class EvidenceRefused extends Error {
  override name = 'EvidenceRefused';
}
