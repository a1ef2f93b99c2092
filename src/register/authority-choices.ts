/**
 * The authorities an officer may register for: those of a data folder, or
 * the stored authorities of the latest campaign in Redis. Each with what a
 * registration records as evidence for the operator: its chief executive's
 * and political head's email domains, and the monitoring officers on file.
 */
import { loadDataSet } from '../data/load-data-set.js';
import { type Authority, emailDomain, isTestCampaign, type OfficerOnFile } from '../domain/index.js';
import type { CampaignStore, StoredCampaign } from '../storage/campaign-store.js';

export interface AuthorityChoice {
  id: string;
  name: string;
  ceDomain: string;
  /** The political head's email domain, when the authority has a head. */
  headDomain?: string;
  /** Its monitoring officers in the data (those who get a copy). */
  officersOnFile: OfficerOnFile[];
}

function choiceOf(a: Authority): AuthorityChoice {
  return {
    id: a.id,
    name: a.name,
    ceDomain: emailDomain(a.chiefExecutive.email),
    ...(a.head ? { headDomain: emailDomain(a.head.email) } : {}),
    officersOnFile: a.copies.filter((c) => c.role === 'mo').map((c) => ({ name: c.name, email: c.email })),
  };
}

export interface AuthorityChoices {
  /** Sorted by name. */
  list: AuthorityChoice[];
  /** The From address of the campaign they came from, for the confirmation emails. */
  from: { name: string; address: string };
  /** Where they came from, for the start-up line. */
  source: string;
  /** The one whose name (any case, spaces trimmed) or id this is. */
  find(nameOrId: string): AuthorityChoice | undefined;
}

export class NoAuthoritiesError extends Error {
  override name = 'NoAuthoritiesError';
}

function choices(list: AuthorityChoice[], from: AuthorityChoices['from'], source: string): AuthorityChoices {
  list.sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
  const byKey = new Map<string, AuthorityChoice>();
  for (const choice of list) {
    byKey.set(choice.id, choice);
    byKey.set(choice.name.trim().toLowerCase(), choice);
  }
  return { list, from, source, find: (key) => byKey.get(key.trim().toLowerCase()) ?? byKey.get(key.trim()) };
}

/** The valid authorities of a data folder (one with problems still gives its good rows). */
export async function choicesFromDataDir(dir: string): Promise<AuthorityChoices> {
  const loaded = await loadDataSet(dir);
  if (!loaded.campaign || loaded.validAuthorities.length === 0) {
    throw new NoAuthoritiesError(`${dir} has no valid campaign.json and authorities; run validate --data ${dir}`);
  }
  const list = loaded.validAuthorities.map(choiceOf);
  return choices(list, loaded.campaign.mail.from, `data folder ${dir}`);
}

/** The authorities of the most recently stored campaign under `prefix`. */
export async function choicesFromLatestCampaign(store: CampaignStore): Promise<AuthorityChoices> {
  // A test run's campaign ("<id>~test") is never the list of authorities.
  let latest: { id: string; stored: StoredCampaign } | undefined;
  for (const id of (await store.ids()).filter((id) => !isTestCampaign(id))) {
    const stored = await store.load(id);
    if (stored && (!latest || stored.storedAt > latest.stored.storedAt)) latest = { id, stored };
  }
  if (!latest) throw new NoAuthoritiesError('no campaign is stored under this QUEUE_PREFIX; start the register server with --data DIR');
  const list: AuthorityChoice[] = [];
  for await (const a of store.authorities(latest.id)) list.push(choiceOf(a));
  return choices(list, latest.stored.campaign.mail.from, `campaign ${latest.id}`);
}
