/**
 * The words the console shows for authority kinds, delivery statuses, status
 * filters, recipients' roles and users' roles: the one list. The server's templates use it, and the
 * campaign page receives it in its configuration for the browser script.
 * Typed by the domain's lists, so a new kind or status cannot go unlabelled.
 */
import type { AuthorityKind, DeliveryState } from '../domain/index.js';
import type { PageLabels } from './api-types.js';
import type { StatusFilter } from './campaign-status.js';
import type { UiRole } from './users.js';

export const KIND_LABELS: Readonly<Record<AuthorityKind, string>> = {
  'county-council': 'County council',
  'district-council': 'District council',
  'metropolitan-borough': 'Metropolitan borough',
  'unitary-authority': 'Unitary authority',
  'london-borough': 'London borough',
  'combined-authority': 'Combined authority',
  'fire-and-rescue': 'Fire and rescue',
  'national-park': 'National park',
  other: 'Other',
};

export const STATUS_LABELS: Readonly<Record<DeliveryState, { symbol: string; text: string }>> = {
  sent: { symbol: '✓', text: 'sent' },
  queued: { symbol: '•', text: 'queued' },
  sending: { symbol: '↻', text: 'sending' },
  'temporary-failure': { symbol: '!', text: 'temporary failure' },
  'permanent-failure': { symbol: '✕', text: 'permanent failure' },
  bounced: { symbol: '↩', text: 'bounced' },
  'not-queued': { symbol: '–', text: 'not queued' },
};

/** In the order the filter offers them. */
export const FILTER_LABELS: Readonly<Record<StatusFilter, string>> = {
  all: 'All authorities',
  failed: 'Any failure',
  'temporary-failure': 'Temporary failures',
  'permanent-failure': 'Permanent failures',
  bounced: 'Bounced',
  pending: 'Pending',
  unsent: 'Not yet all sent',
  sent: 'All sent',
};

/** The bulk retry's choice of failures, in the order offered ('' is both kinds). */
export const RETRY_CHOICE_LABELS: Readonly<Record<'' | 'permanent-failure' | 'temporary-failure', string>> = {
  '': 'Every failure',
  'permanent-failure': 'Permanent failures',
  'temporary-failure': 'Temporary failures',
};

export const ROLE_LABELS: Readonly<Record<UiRole, string>> = { operator: 'operator', viewer: 'read-only' };

/** Recipients by role; a copy role from contacts.csv not named here is shown by its own name ("scrutiny-chair" as "Scrutiny chair"). */
export const RECIPIENT_ROLE_LABELS: Readonly<Record<string, { long: string; short: string }>> = {
  ceo: { long: 'Chief executive', short: 'CEO' },
  head: { long: 'Political head', short: 'Head' },
  mo: { long: 'Monitoring officer', short: 'MO' },
};

export const PAGE_LABELS: PageLabels = { kinds: KIND_LABELS, statuses: STATUS_LABELS, roles: RECIPIENT_ROLE_LABELS };
