import type { Config } from '../../config.js';
import { CliError } from '../../domain/index.js';
import { dkimDnsRecord, loadDkimSigning } from '../../send/dkim.js';
import type { Print } from '../print.js';

/** `dkim-record`: the DNS TXT record that publishes DKIM_PRIVATE_KEY_FILE's public key, as a zone-file line. */
export function dkimRecordCommand(config: Config, print: Print): string {
  const signing = loadDkimSigning(config);
  if (!signing) throw new CliError('DKIM is not configured: set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE', 2);
  const record = dkimDnsRecord(signing);
  print.out(record.zoneLine);
  return record.zoneLine;
}
