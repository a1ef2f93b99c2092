/**
 * The console's request parameters, checked by zod: a bad one is a 400 that
 * names it, before any handler looks at Redis.
 */
import { z } from 'zod';
import { AUTHORITY_ID, isRecipientKey, RETRYABLE_STATUSES } from '../domain/index.js';
import { STATUS_FILTERS } from './campaign-status.js';
import { BadRequestError } from './http-errors.js';

/** A campaign id, or a test run's "<id>~test". */
export const campaignId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,99}(~test)?$/, 'must be a campaign id');
export const authorityId = z.string().max(200).regex(AUTHORITY_ID, 'must be an authority id');
/** The domain's grammar (src/domain/recipient-key.ts): ceo, head, <role>-N, and a resend's ~resend-N. */
export const recipientKey = z.string().refine(isRecipientKey, 'must be a recipient key: ceo, head, <role>-N (mo-1, link-officer-2, ...)');

export const campaignParams = z.object({ campaign: campaignId });
export const authorityParams = campaignParams.extend({ authority: authorityId });
export const deliveryParams = authorityParams.extend({ recipient: recipientKey });

/** A page of the authority table; the browser asks for the next one. */
const MAX_PAGE = 1000;
/** `?status=` and the like count as not given. */
const blankIsAbsent = (value: unknown) => (value === '' ? undefined : value);

export const authoritiesQuery = z.object({
  status: z.preprocess(blankIsAbsent, z.enum(STATUS_FILTERS).default('all')),
  q: z
    .string()
    .default('')
    .transform((q) => q.slice(0, 200)),
  offset: z.preprocess(blankIsAbsent, z.coerce.number().int().min(0).default(0)),
  limit: z.preprocess(
    blankIsAbsent,
    z.coerce
      .number()
      .int()
      .min(1)
      .default(200)
      .transform((n) => Math.min(n, MAX_PAGE)),
  ),
});

export const letterQuery = z.object({ format: z.enum(['html', 'text']).default('html') });

export const pageQuery = z.object({ campaign: campaignId.optional() });

/** Which failed deliveries a bulk retry resets; `expect` is the count the operator confirmed. */
export const retrySelectionQuery = z.object({
  status: z.enum(RETRYABLE_STATUSES).optional(),
  authority: authorityId.optional(),
  reply: z.string().min(1).max(200).optional(),
});
export const retryConfirmQuery = retrySelectionQuery.extend({ expect: z.coerce.number().int().min(0) });

/** The parsed value, or a BadRequestError naming the first bad parameter. */
export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new BadRequestError(`bad ${issue.path.join('.') || 'request'}: ${issue.message}`);
}
