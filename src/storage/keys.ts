/**
 * Every Redis key this package writes, built here and nowhere else (BullMQ's
 * queue-keys.ts is the model). All start with QUEUE_PREFIX, so several
 * installations share one Redis and `deletePrefix` removes one whole.
 * BullMQ builds its own queues' keys under the same prefix.
 *
 *   <prefix>:campaign:<id>                 hash: the stored campaign (settings, letter, version, ...)
 *   <prefix>:campaign:<id>:authorities     hash: authority id -> Authority JSON
 *   <prefix>:campaign:<id>:files           hash: "<authority id>/<file name>" -> an authority's own attachment
 *   <prefix>:ledger:<namespace>            hash: "<authorityId>/<recipientKey>" -> DeliveryRecord JSON
 *   <prefix>:ledger:<namespace>:counts     hash: status -> number of records in it
 *   <prefix>:approval:<campaign>           string: Approval JSON (the latest)
 *   <prefix>:approval:<campaign>:history   hash: approval sha256 -> Approval JSON (every approval ever given)
 *   <prefix>:approval:<campaign>:stored    string: StoredCheck JSON
 *   <prefix>:test-run:<campaign>~test      string: TestRunSettings JSON
 *   <prefix>:breaker                       hash: the circuit breaker's state
 *   <prefix>:breaker:deferred              set: job ids deferred while the breaker was open
 *   <prefix>:rate-limit                    string: the rate limiter's next free slot (µs)
 *   <prefix>:ui:session:<sid>              string: a console session's JSON, expiring with its cookie
 *   <prefix>:ui:login-limit:<client>       the sign-in limit's failed-login count (rate-limit-redis writes it)
 *   <prefix>:ui:login-account-limit:<hash> the per-account sign-in limit's count, by the sha256 of the user name
 *   <prefix>:register:registration:<id>       hash: one monitoring officer's Registration
 *   <prefix>:register:ids                     sorted set: registration id by createdAt
 *   <prefix>:register:address:<email>:<auth>  string: the id of that address's registration for that authority
 *   <prefix>:register:by-address:<email>      set: the ids of every registration of that address (its history)
 *   <prefix>:register:active:<email>          set: the ids of that address's registrations not withdrawn
 *   <prefix>:register:approved:<auth>         set: the ids of that authority's approved registrations
 *   <prefix>:register:indexed                 string: the three sets above hold every registration
 *   <prefix>:register:link-used:<nonce>       string: a link already followed (single use), kept until it expires
 *   <prefix>:register:mailed:<email>          string: an email went to this address within the hour
 *   <prefix>:register:limit:<scope>:<subject> counter of one fixed rate-limit window
 *   <prefix>:bounces:unverified:<namespace>        list: UnverifiedBounce JSON, newest first, capped
 *   <prefix>:bounces:unverified:<namespace>:total  string: how many were ever recorded (the cap drops the oldest)
 */
export class StorageKeys {
  constructor(readonly prefix: string) {}

  campaign(id: string): string {
    return `${this.prefix}:campaign:${id}`;
  }

  campaignAuthorities(id: string): string {
    return `${this.campaign(id)}:authorities`;
  }

  campaignFiles(id: string): string {
    return `${this.campaign(id)}:files`;
  }

  /** SCAN pattern for the stored campaigns (it also matches their `:authorities`, which `campaignIdOf` rejects). */
  campaignPattern(): string {
    return `${this.campaign('')}*`;
  }

  /** The campaign id of a key `campaignPattern` matched, or null for a key that is not a campaign's own. */
  campaignIdOf(key: string): string | null {
    const id = key.slice(this.campaign('').length);
    return id.includes(':') ? null : id;
  }

  /** `namespace` is the campaign id, or "<campaign>~test" for its test run. */
  ledger(namespace: string): string {
    return `${this.prefix}:ledger:${namespace}`;
  }

  ledgerCounts(namespace: string): string {
    return `${this.ledger(namespace)}:counts`;
  }

  approval(campaign: string): string {
    return `${this.prefix}:approval:${campaign}`;
  }

  approvalHistory(campaign: string): string {
    return `${this.approval(campaign)}:history`;
  }

  approvalStored(campaign: string): string {
    return `${this.approval(campaign)}:stored`;
  }

  testRun(testCampaign: string): string {
    return `${this.prefix}:test-run:${testCampaign}`;
  }

  breaker(): string {
    return `${this.prefix}:breaker`;
  }

  breakerDeferred(): string {
    return `${this.breaker()}:deferred`;
  }

  rateLimit(): string {
    return `${this.prefix}:rate-limit`;
  }

  session(sid: string): string {
    return `${this.prefix}:ui:session:${sid}`;
  }

  /** The sign-in limiter's keys start with this; rate-limit-redis appends the client. */
  loginLimitPrefix(): string {
    return `${this.prefix}:ui:login-limit:`;
  }

  /** The per-account sign-in limiter's keys start with this; rate-limit-redis appends the hash of the user name. */
  loginAccountLimitPrefix(): string {
    return `${this.prefix}:ui:login-account-limit:`;
  }

  registration(id: string): string {
    return `${this.prefix}:register:registration:${id}`;
  }

  registrationIds(): string {
    return `${this.prefix}:register:ids`;
  }

  /** `email` and `authorityId` as given; the caller lower-cases the address. */
  registrationAddress(email: string, authorityId: string): string {
    return `${this.prefix}:register:address:${email}:${authorityId}`;
  }

  /** `email` lower-cased by the caller, as for registrationAddress. */
  registrationsOfAddress(email: string): string {
    return `${this.prefix}:register:by-address:${email}`;
  }

  registrationsActive(email: string): string {
    return `${this.prefix}:register:active:${email}`;
  }

  registrationsApproved(authorityId: string): string {
    return `${this.prefix}:register:approved:${authorityId}`;
  }

  registrationsIndexed(): string {
    return `${this.prefix}:register:indexed`;
  }

  registrationLinkUsed(nonce: string): string {
    return `${this.prefix}:register:link-used:${nonce}`;
  }

  registrationMailed(email: string): string {
    return `${this.prefix}:register:mailed:${email}`;
  }

  registrationLimit(scope: string, subject: string): string {
    return `${this.prefix}:register:limit:${scope}:${subject}`;
  }

  /** `namespace` is the ledger's: the campaign id, or "<campaign>~test". */
  unverifiedBounces(namespace: string): string {
    return `${this.prefix}:bounces:unverified:${namespace}`;
  }

  unverifiedBouncesTotal(namespace: string): string {
    return `${this.unverifiedBounces(namespace)}:total`;
  }

  /** SCAN pattern for every key of the installation. */
  everything(): string {
    return `${this.prefix}:*`;
  }
}
