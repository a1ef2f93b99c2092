/**
 * The operator's "Readdress" on a bounced or permanently failed delivery: the
 * corrected address from the request body, recorded under the signed-in
 * operator's name, and the letter sent there once. The work is
 * src/schedule/readdress.ts, which `readdress` on the command line shares;
 * its refusals become 400, 404 or 409 (http-errors.ts).
 */
import { z } from 'zod';
import type { RecipientKey } from '../../domain/index.js';
import { readdressDelivery } from '../../schedule/readdress.js';
import type { ApiReaddressOutcome } from '../api-types.js';
import { parseRequest } from '../request-params.js';
import type { RetryContext } from './retry-job.js';

const readdressBody = z.object({ email: z.email('must be one email address').max(254) });

/** Readdresses one delivery to the body's `email` and runs its authority's job again. */
export async function readdress(
  ctx: RetryContext,
  authorityId: string,
  recipient: RecipientKey,
  body: unknown,
  allowlist: readonly string[] | undefined,
): Promise<ApiReaddressOutcome> {
  const { email } = parseRequest(readdressBody, body ?? {});
  const done = await readdressDelivery({ ...ctx, from: 'the ui' }, { authorityId, recipient, email, allowlist });
  return {
    jobId: done.job.jobId,
    action: 'readdressed',
    from: done.from,
    email: done.record.email,
    messageId: done.record.messageId,
    message: `${recipient} readdressed from ${done.from} to ${done.record.email}; it is sent once, as ${done.record.messageId}`,
  };
}
