// The campaign page's client: wires the parts (totals, the run's state, the
// authorities table, the details dialog, the relay and recovery panel) to
// the JSON API and polls it while the page is visible. What the operator
// asked for (a search, a page, the authority open) lives in the address bar.
import type { ApiAuthorityPage, ApiSummary, PageConfig } from '../api-types.js';
import { Announcer } from './announcer.js';
import { apiClient } from './api-client.js';
import { AuthorityDetails } from './authority-details.js';
import { AuthorityTable } from './authority-table.js';
import { wireBulkRetry } from './bulk-retry.js';
import { wireCancelRun } from './cancel-run.js';
import { ChangeWatcher } from './change-watcher.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { byId } from './dom.js';
import { ModalLayers } from './modal-layers.js';
import { ReaddressDialog } from './readdress-dialog.js';
import { RelayPanel } from './relay-panel.js';
import { RunStateView } from './run-state-view.js';
import { refreshSchedule } from './schedule-line.js';
import { TotalsView } from './totals-view.js';
import { wordsFrom } from './words.js';

/** Changes outside the open details are summed up at most once in this many polls. */
const POLLS_PER_SUMMARY = 5;
/** The search runs 300 ms after the last key; how many it found is said only after a longer pause, not at every key. */
const SEARCH_AFTER_MS = 300;
const SAY_COUNT_AFTER_MS = 700;

const config = JSON.parse(byId('page-config').textContent ?? '{}') as PageConfig;
if (config.campaignId) startCampaignPage(config.campaignId);

function startCampaignPage(campaignId: string): void {
  const api = apiClient(config.csrfToken);
  const words = wordsFrom(config.labels);
  const base = `/api/campaigns/${encodeURIComponent(campaignId)}`;
  const canChange = config.role === 'operator';
  const params = new URLSearchParams(location.search);
  const view = { status: params.get('status') || 'all', q: params.get('q') || '', offset: 0, limit: 200 };

  const announcer = new Announcer(byId('announcer'));
  const layers = new ModalLayers(announcer, byId('message'));
  const changes = new ChangeWatcher(words, announcer, POLLS_PER_SUMMARY * config.pollMs);
  const totals = new TotalsView(byId('totals'), byId('progress'));
  const runState = new RunStateView(byId('run-state'), byId('updated'));
  const confirm = new ConfirmDialog(byId<HTMLDialogElement>('confirm'), layers);
  const heading = byId('authorities');

  const table = new AuthorityTable(byId('rows'), byId('pager'), words, (id, name) => details.show(id, name), {
    previous: () => void changePage(-1),
    next: () => void changePage(1),
  });
  const details: AuthorityDetails = new AuthorityDetails({
    dialog: byId<HTMLDialogElement>('detail'),
    api,
    base,
    words,
    layers,
    changes,
    readdress: new ReaddressDialog(byId<HTMLDialogElement>('readdress'), api, layers),
    canChange,
    refreshAll,
    onOpenChange: (id) => {
      table.markOpen(id);
      rememberInUrl(id);
    },
    fallbackFocus: (id) => table.opener(id) ?? heading,
  });
  const relay = new RelayPanel(
    byId('relay'),
    byId('relay-text'),
    document.querySelector<HTMLButtonElement>('[data-action="try-relay"]'),
    api,
    layers,
    announcer,
  );
  const schedule = byId('schedule');

  if (canChange) {
    wireBulkRetry(
      {
        form: byId<HTMLFormElement>('bulk-retry'),
        status: byId<HTMLSelectElement>('retry-status'),
        reply: byId<HTMLInputElement>('retry-reply'),
        button: byId<HTMLButtonElement>('retry-deliveries'),
      },
      { api, base, layers, confirm, refreshAll },
    );
    wireCancelRun(byId<HTMLButtonElement>('cancel-run'), { api, base, campaignId, words, layers, confirm, refreshAll });
  }

  function rememberInUrl(open: string | null = details.open): void {
    const q = new URLSearchParams({ campaign: campaignId });
    if (view.status !== 'all') q.set('status', view.status);
    if (view.q) q.set('q', view.q);
    if (open) q.set('authority', open);
    history.replaceState(null, '', `/?${q.toString()}`);
  }

  function rowsQuery(): string {
    const q = new URLSearchParams({ status: view.status, offset: String(view.offset), limit: String(view.limit) });
    if (view.q) q.set('q', view.q);
    return q.toString();
  }

  /** Draws the rows, unless the operator asked for other rows while these were on their way. */
  async function refreshRows(): Promise<void> {
    const asked = rowsQuery();
    const page = await api.get<ApiAuthorityPage>(`${base}/authorities?${asked}`);
    if (asked !== rowsQuery()) return;
    changes.rows(page.rows);
    table.draw(page);
  }

  /**
   * After the operator searched, filtered or paged: the rows, then how many
   * there are, said once the operator has stopped typing for a moment.
   */
  let counting: ReturnType<typeof setTimeout> | undefined;
  async function showRows(): Promise<void> {
    rememberInUrl();
    clearTimeout(counting);
    try {
      await refreshRows();
      counting = setTimeout(() => announcer.say(`${table.describe()}.`), SAY_COUNT_AFTER_MS);
    } catch (error) {
      layers.notify(`The authorities could not be read: ${(error as Error).message}`, true);
    }
  }

  async function changePage(step: number): Promise<void> {
    view.offset = Math.max(0, view.offset + step * view.limit);
    await showRows();
  }

  async function refreshSummary(): Promise<void> {
    const summary = await api.get<ApiSummary>(`${base}/summary`);
    totals.draw(summary);
    runState.draw(summary.state);
    changes.run(summary.state);
  }

  let offline = false;
  async function refreshAll(): Promise<void> {
    try {
      await Promise.all([refreshSummary(), refreshRows(), details.refresh(), relay.refresh(), refreshSchedule(schedule, api, base)]);
      if (offline) announcer.say('The console answers again.');
      offline = false;
      changes.flush();
    } catch (error) {
      runState.offline((error as Error).message);
      if (!offline) announcer.say('The console cannot be reached; the page keeps trying.');
      offline = true;
    }
  }

  async function loop(): Promise<void> {
    if (!document.hidden) await refreshAll();
    setTimeout(() => void loop(), config.pollMs);
  }

  const search = byId<HTMLInputElement>('search');
  const filter = byId<HTMLSelectElement>('status');
  search.value = view.q;
  filter.value = view.status;
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    clearTimeout(counting);
    typing = setTimeout(() => {
      view.q = search.value.trim();
      view.offset = 0;
      void showRows();
    }, SEARCH_AFTER_MS);
  });
  // The search needs no button, but Enter in it should not wait for the pause in typing.
  byId<HTMLFormElement>('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    view.q = search.value.trim();
    view.offset = 0;
    void showRows();
  });
  filter.addEventListener('change', () => {
    view.status = filter.value;
    view.offset = 0;
    void showRows();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshAll();
  });

  const asked = params.get('authority');
  if (asked) details.show(asked);
  void loop();
}
