/**
 * The JSON the console's API answers with and the page configuration the
 * server puts into the campaign page: the contract between the server and
 * the browser script (src/ui/browser/). Types only, importing nothing, so
 * both the Node build and the browser build check against the same shapes;
 * the server's answers are checked against them with `satisfies`.
 */

/** A ledger status, or `not-queued` for a recipient the ledger has no record of yet. */
export type ApiCellStatus = 'queued' | 'sending' | 'sent' | 'bounced' | 'temporary-failure' | 'permanent-failure' | 'not-queued';

/** The words the page shows for kinds and statuses: one list, on the server (src/ui/labels.ts). */
export interface PageLabels {
  kinds: Readonly<Record<string, string>>;
  statuses: Readonly<Record<ApiCellStatus, { symbol: string; text: string }>>;
  /** Recipients by role ("ceo", "head", "mo"); other copy roles are shown by their own name. */
  roles: Readonly<Record<string, { long: string; short: string }>>;
}

/** What the browser script needs; nothing secret beyond the session's own CSRF token. */
export interface PageConfig {
  campaignId: string | null;
  csrfToken: string;
  role: 'operator' | 'viewer';
  /** How often the page asks for fresh figures; changes elsewhere than the open details are announced at most every five polls. */
  pollMs: number;
  labels: PageLabels;
}

export interface ApiSummary {
  totals: {
    authorities: number;
    deliveries: number;
    sent: number;
    bounced: number;
    pending: number;
    temporaryFailures: number;
    permanentFailures: number;
  };
  /** Where the run stands: sending, paused (by the relay's breaker), cancelled (by whom, when), finished (letters still owed), not started. */
  state: {
    state: 'not-started' | 'sending' | 'paused' | 'cancelled' | 'finished';
    text: string;
    /** paused: the relay's breaker in words, its last answer included. */
    relay?: string;
    by?: string;
    at?: number;
    owed?: number;
  };
  jobs: Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed', number>;
  /** Letters of this campaign are on their way (sending, or held by the breaker). */
  running: boolean;
}

export interface ApiDeliveryCell {
  recipient: string;
  /** "ceo", "head", or the copy's role ("mo", a role from contacts.csv). */
  role: string;
  status: ApiCellStatus;
  attempts: number;
}

export interface ApiAuthorityPage {
  total: number;
  matched: number;
  offset: number;
  limit: number;
  rows: Array<{ id: string; name: string; kind: string; deliveries: ApiDeliveryCell[] }>;
}

export interface ApiAuthorityDetail {
  id: string;
  name: string;
  kind: string;
  /** The authority's letter job; its log newest first. */
  job: { state: string; attemptsMade: number; attempts: number; failedReason?: string; finishedOn?: number; logs: string[] } | null;
  deliveries: Array<
    ApiDeliveryCell & {
      name: string;
      email: string;
      response?: string;
      queuedAt?: number;
      updatedAt?: number;
      sentAt?: number;
      /** bounced: when the DSN came, and the receiving system's words. */
      bouncedAt?: number;
      diagnostic?: string;
    }
  >;
  /** Bounces that named one of its deliveries without a valid VERP token: they changed nothing; their text is the sender's claim. */
  unverifiedBounces: Array<{
    recipient: string;
    receivedAt: number;
    kind: 'failed' | 'delayed';
    reason: string;
    claimedEmail?: string;
    claimedDiagnostic?: string;
  }>;
}

/** The answer to a retry. */
export interface ApiRetryOutcome {
  jobId: string;
  action: string;
  /** The recipients the job will send to (not sent, not permanent failures); empty when it was not run. */
  willSend: string[];
  /** One sentence for the operator. */
  message: string;
}

/** GET /api/relay: the relay's circuit breaker. */
export interface ApiRelay {
  state: 'open' | 'closed';
  openedAt?: number;
  openUntil?: number;
  lastResponse?: string;
  queuePaused: boolean;
  /** While open, one line for the operator; null while closed. */
  description: string | null;
}

/** POST /api/relay/try-now */
export interface ApiTryRelay {
  closed: boolean;
  promoted: number;
  message: string;
}

/** GET /api/campaigns/:campaign/schedule */
export type ApiSchedule = { scheduled: false } | { scheduled: true; cron: string; next: number | null; nextText: string | null };

/** GET /api/campaigns/:campaign/retry-plan */
export interface ApiBulkRetryPlan {
  deliveries: number;
  authorities: number;
  byStatus: Record<'permanent-failure' | 'temporary-failure', number>;
  running: number;
  /** The first few deliveries it will reset (at most 10), for a confirmation to show. */
  first: Array<{ authorityId: string; recipient: string; email: string; status: string; response?: string }>;
  /** The plan in the operator's words, a line each. */
  lines: string[];
}

/** POST /api/campaigns/:campaign/retry */
export interface ApiBulkRetryResult {
  reset: number;
  jobs: number;
  message: string;
  lines: string[];
}

/** POST /api/campaigns/:campaign/cancel */
export interface ApiCancelResult {
  removed: number;
  running: string[];
  finished: number;
  cancelledBy: string;
  cancelledAt: number;
  message: string;
}

/** The answer to a readdress: the letter goes to `email` as `messageId`. */
export interface ApiReaddressOutcome {
  jobId: string;
  action: 'readdressed';
  /** One sentence for the operator. */
  message: string;
  from: string;
  email: string;
  messageId: string;
}

/** Every error answer. */
export interface ApiError {
  error: string;
  message: string;
}
