// The campaign page's client: draws totals, the authority table and the
// detail drawer from the JSON API, and polls it while the page is visible.
// Every value from the server goes into the page as text (textContent),
// never as HTML. The words for kinds and statuses come from the server, in
// the page's configuration (src/ui/labels.ts), not from here.
import type {
  ApiAuthorityDetail,
  ApiAuthorityPage,
  ApiCellStatus,
  ApiDeliveryCell,
  ApiError,
  ApiReaddressOutcome,
  ApiRetryOutcome,
  ApiSummary,
  PageConfig,
} from '../api-types.js';

type Attributes = Record<string, string | undefined>;
type Child = Node | string | null;

/** An element the server's page always has; its absence is a bug worth a loud error. */
function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attributes | null,
  children?: readonly Child[],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children ?? []) if (child) node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return node;
}

class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const config = JSON.parse(byId('page-config').textContent ?? '{}') as PageConfig;
const picker = document.getElementById('campaign') as HTMLSelectElement | null;
picker?.addEventListener('change', () => picker.form?.submit());
if (config.campaignId) startCampaignPage(config.campaignId);

function startCampaignPage(campaignId: string): void {
  const { labels } = config;
  const base = `/api/campaigns/${encodeURIComponent(campaignId)}`;
  const canChange = config.role === 'operator';
  const params = new URLSearchParams(location.search);
  const state = { status: params.get('status') || 'all', q: params.get('q') || '', offset: 0, limit: 200, open: params.get('authority') };

  const kindLabel = (kind: string): string => labels.kinds[kind] ?? kind;
  const statusText = (status: ApiCellStatus): string => labels.statuses[status].text;
  const statusChip = (status: ApiCellStatus): string => `${labels.statuses[status].symbol} ${statusText(status)}`;

  function recipientLabel(key: string): string {
    if (key === 'ceo') return 'Chief executive';
    if (key === 'head') return 'Political head';
    const m = /^mo-(\d+)$/.exec(key);
    return m ? `Monitoring officer ${m[1]}` : key;
  }
  function shortLabel(key: string): string {
    if (key === 'ceo') return 'CEO';
    if (key === 'head') return 'Head';
    const m = /^mo-(\d+)$/.exec(key);
    return m ? `MO ${m[1]}` : key;
  }
  function time(ms: number | undefined): string {
    return ms
      ? new Date(ms).toLocaleString('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : '';
  }
  const number = (n: number): string => Number(n).toLocaleString('en-GB');

  async function api<T>(path: string, method: 'GET' | 'POST' = 'GET', payload?: object): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers['X-CSRF-Token'] = config.csrfToken;
    if (payload) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: payload ? JSON.stringify(payload) : undefined,
    });
    if (res.status === 401) {
      location.href = `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
      throw new HttpError('signed out', 401);
    }
    const body = (await res.json()) as T | ApiError;
    if (!res.ok) throw new HttpError((body as ApiError | null)?.message ?? `HTTP ${res.status}`, res.status);
    return body as T;
  }

  let toastTimer: ReturnType<typeof setTimeout> | undefined;
  const toastBox = byId('toast');
  toastBox.addEventListener('click', () => (toastBox.hidden = true));
  function toast(message: string, isError = false): void {
    toastBox.textContent = message;
    toastBox.className = `toast${isError ? ' error' : ''}`;
    toastBox.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toastBox.hidden = true), 5000);
  }

  // ---- totals --------------------------------------------------------------
  function card(kind: string, label: string, value: number, note?: string): HTMLDivElement {
    return el('div', { className: `card ${kind}`, 'data-total': kind }, [
      el('div', { className: 'label', text: label }),
      el('div', { className: 'value', text: number(value) }),
      note ? el('div', { className: 'note', text: note }) : null,
    ]);
  }
  function setWidth(bar: HTMLElement, part: string, share: number): void {
    const span = bar.querySelector<HTMLElement>(part);
    if (span) span.style.width = `${share}%`;
  }
  function drawSummary(s: ApiSummary): void {
    const t = s.totals;
    byId('totals').replaceChildren(
      card('k-auth', 'Authorities', t.authorities),
      card('k-deliv', 'Deliveries', t.deliveries),
      card('k-sent', 'Sent', t.sent, t.deliveries ? `${Math.floor((100 * t.sent) / t.deliveries)}% of deliveries` : ''),
      // Job counts are the whole letters queue's (every campaign in it), not this campaign's alone.
      card(
        'k-pending',
        'Pending',
        t.pending,
        `letters queue: ${s.jobs.active} jobs running, ${s.jobs.waiting + s.jobs.delayed + s.jobs.prioritized} waiting`,
      ),
      card('k-bounced', 'Bounced', t.bounced, 'sent, then returned: still owed'),
      card('k-temp', 'Temporary failures', t.temporaryFailures, 'retried while attempts remain'),
      card('k-perm', 'Permanent failures', t.permanentFailures, 'need an operator'),
    );
    const total = t.deliveries || 1;
    const bar = byId('progress');
    setWidth(bar, '.p-sent', (100 * t.sent) / total);
    setWidth(bar, '.p-temp', (100 * t.temporaryFailures) / total);
    setWidth(bar, '.p-perm', (100 * t.permanentFailures) / total);
    setWidth(bar, '.p-bounced', (100 * t.bounced) / total);
    const live = byId('live');
    live.className = `live ${s.running ? 'running' : 'idle'}`;
    live.textContent = `${s.running ? 'run in progress' : 'idle'} · updated ${new Date().toLocaleTimeString('en-GB')}`;
  }

  // ---- authority table -----------------------------------------------------
  function chip(d: ApiDeliveryCell): HTMLSpanElement {
    const attempts = d.attempts ? ` (${d.attempts} attempt${d.attempts === 1 ? '' : 's'})` : '';
    return el(
      'span',
      {
        className: `chip s-${d.status}`,
        'data-recipient': d.recipient,
        'data-status': d.status,
        title: `${recipientLabel(d.recipient)}: ${statusText(d.status)}${attempts}`,
      },
      [`${labels.statuses[d.status].symbol} ${shortLabel(d.recipient)} · ${statusText(d.status)}`],
    );
  }
  function drawRows(page: ApiAuthorityPage): void {
    const body = byId('rows');
    if (page.rows.length === 0) {
      body.replaceChildren(
        el('tr', null, [
          el('td', {
            colspan: '3',
            className: 'empty',
            text: page.total === 0 ? 'No authorities in this campaign.' : 'No authority matches.',
          }),
        ]),
      );
    } else {
      body.replaceChildren(
        ...page.rows.map((row) => {
          const tr = el('tr', { className: `row${row.id === state.open ? ' open' : ''}`, 'data-authority-id': row.id, tabindex: '0' }, [
            el('td', { className: 'name' }, [row.name, el('span', { className: 'id', text: row.id })]),
            el('td', { className: 'kind', text: kindLabel(row.kind) }),
            el('td', null, [el('div', { className: 'cells' }, row.deliveries.map(chip))]),
          ]);
          tr.addEventListener('click', () => void openDetail(row.id));
          tr.addEventListener('keydown', (e) => {
            if (e.key === 'Enter') void openDetail(row.id);
          });
          return tr;
        }),
      );
    }
    const from = page.matched === 0 ? 0 : page.offset + 1;
    const to = Math.min(page.offset + page.rows.length, page.matched);
    const prev = el('button', { className: 'btn', type: 'button', text: '‹ Previous' });
    const next = el('button', { className: 'btn', type: 'button', text: 'Next ›' });
    prev.disabled = page.offset === 0;
    next.disabled = page.offset + page.limit >= page.matched;
    prev.addEventListener('click', () => {
      state.offset = Math.max(0, state.offset - state.limit);
      void refreshRows();
    });
    next.addEventListener('click', () => {
      state.offset += state.limit;
      void refreshRows();
    });
    byId('pager').replaceChildren(
      el('span', {
        text: `Showing ${number(from)}–${number(to)} of ${number(page.matched)}${page.matched !== page.total ? ` matching (${number(page.total)} in all)` : ' authorities'}`,
      }),
      prev,
      next,
    );
  }
  function rowsQuery(): string {
    const q = new URLSearchParams({ status: state.status, offset: String(state.offset), limit: String(state.limit) });
    if (state.q) q.set('q', state.q);
    return q.toString();
  }
  async function refreshRows(): Promise<void> {
    drawRows(await api<ApiAuthorityPage>(`${base}/authorities?${rowsQuery()}`));
  }
  function rememberInUrl(): void {
    const q = new URLSearchParams({ campaign: campaignId });
    if (state.status !== 'all') q.set('status', state.status);
    if (state.q) q.set('q', state.q);
    if (state.open) q.set('authority', state.open);
    history.replaceState(null, '', `/?${q.toString()}`);
  }

  // ---- detail drawer -------------------------------------------------------
  const drawer = byId('detail');
  const backdrop = byId('backdrop');
  let shownLetter: string | null = null;
  function openDetail(id: string): Promise<void> {
    if (state.open !== id) drawer.replaceChildren();
    state.open = id;
    shownLetter = null;
    rememberInUrl();
    for (const tr of document.querySelectorAll('tr.row')) tr.classList.toggle('open', tr.getAttribute('data-authority-id') === id);
    return refreshDetail();
  }
  function closeDetail(): void {
    state.open = null;
    shownLetter = null;
    drawer.hidden = true;
    drawer.replaceChildren();
    backdrop.hidden = true;
    for (const tr of document.querySelectorAll('tr.row.open')) tr.classList.remove('open');
    rememberInUrl();
  }
  async function refreshDetail(): Promise<void> {
    const id = state.open;
    if (!id) return;
    const detail = await api<ApiAuthorityDetail>(`${base}/authorities/${encodeURIComponent(id)}`);
    if (state.open === id) drawDetail(detail);
  }
  async function retry(path: string, what: string): Promise<void> {
    let outcome: ApiRetryOutcome;
    try {
      outcome = await api<ApiRetryOutcome>(path, 'POST');
    } catch (error) {
      toast(`${what} not retried: ${(error as Error).message}`, true);
      return;
    }
    toast(outcome.message);
    await Promise.all([refreshDetail(), refreshRows(), refreshSummary()]);
  }
  async function readdress(path: string, who: string, current: string): Promise<void> {
    const email = prompt(`New address for ${who} (now ${current}):`)?.trim();
    if (!email) return;
    let outcome: ApiReaddressOutcome;
    try {
      outcome = await api<ApiReaddressOutcome>(path, 'POST', { email });
    } catch (error) {
      toast(`${who} not readdressed: ${(error as Error).message}`, true);
      return;
    }
    toast(outcome.message);
    await Promise.all([refreshDetail(), refreshRows(), refreshSummary()]);
  }
  function drawDetail(d: ApiAuthorityDetail): void {
    const close = el('button', { className: 'close', type: 'button', 'aria-label': 'Close', text: '×' });
    close.addEventListener('click', closeDetail);
    const parts: HTMLElement[] = [
      el('div', { className: 'd-head' }, [
        el('h3', null, [d.name, el('span', { className: 'sub', text: `${kindLabel(d.kind)} · ${d.id}` })]),
        close,
      ]),
    ];

    if (d.job) {
      const job = el('div', { className: 'job', 'data-job-state': d.job.state }, [
        el('strong', { text: 'Letter job' }),
        el('span', { className: `badge j-${d.job.state}`, text: d.job.state }),
        el('span', { text: `attempt ${d.job.attemptsMade} of ${d.job.attempts}` }),
        d.job.finishedOn ? el('span', { className: 'note', text: `finished ${time(d.job.finishedOn)}` }) : null,
      ]);
      if (canChange && (d.job.state === 'failed' || d.job.state === 'completed')) {
        const again = el('button', { className: 'btn', type: 'button', 'data-action': 'retry-job', text: 'Retry job' });
        again.title = 'Runs the job again; it sends only to recipients not yet sent, and skips permanent failures';
        again.addEventListener('click', () => {
          again.disabled = true;
          void retry(`${base}/authorities/${encodeURIComponent(d.id)}/retry`, 'Job');
        });
        job.appendChild(again);
      }
      if (d.job.failedReason) job.appendChild(el('div', { className: 'reason', text: d.job.failedReason }));
      parts.push(job);
    } else {
      parts.push(el('div', { className: 'job' }, [el('span', { text: 'No letter job in the queue for this authority yet.' })]));
    }

    parts.push(el('h4', { text: 'Deliveries' }));
    const letterKey = shownLetter ?? d.deliveries[0]?.recipient ?? null;
    const rows = d.deliveries.map((r) => {
      const actions = el('td', { className: 'actions' });
      const view = el('button', {
        className: `btn${r.recipient === letterKey ? ' current' : ''}`,
        type: 'button',
        'data-action': 'view-letter',
        text: 'Letter',
      });
      view.title = `Show the letter ${recipientLabel(r.recipient).toLowerCase()} was sent`;
      view.addEventListener('click', () => {
        shownLetter = r.recipient;
        drawDetail(d);
      });
      actions.appendChild(view);
      if (canChange && (r.status === 'temporary-failure' || r.status === 'permanent-failure')) {
        const again = el('button', { className: 'btn primary', type: 'button', 'data-action': 'retry-delivery', text: 'Retry' });
        again.title = 'Marks this delivery as queued again and re-runs the letter job; recipients already sent are not sent again';
        again.addEventListener('click', () => {
          again.disabled = true;
          void retry(
            `${base}/authorities/${encodeURIComponent(d.id)}/deliveries/${encodeURIComponent(r.recipient)}/retry`,
            recipientLabel(r.recipient),
          );
        });
        actions.appendChild(again);
      }
      if (canChange && (r.status === 'bounced' || r.status === 'permanent-failure')) {
        const change = el('button', { className: 'btn', type: 'button', 'data-action': 'readdress', text: 'Readdress' });
        change.title = 'Sends the letter once to a corrected address, with its own Message-ID; the change is recorded under your name';
        change.addEventListener('click', () => {
          void readdress(
            `${base}/authorities/${encodeURIComponent(d.id)}/deliveries/${encodeURIComponent(r.recipient)}/readdress`,
            recipientLabel(r.recipient),
            r.email,
          );
        });
        actions.appendChild(change);
      }
      const times: string[] = [];
      if (r.bouncedAt) times.push(`bounced ${time(r.bouncedAt)}`);
      if (r.sentAt) times.push(`sent ${time(r.sentAt)}`);
      else if (r.updatedAt) times.push(`updated ${time(r.updatedAt)}`);
      if (r.queuedAt) times.push(`queued ${time(r.queuedAt)}`);
      return el('tr', { 'data-recipient': r.recipient, 'data-status': r.status }, [
        el('td', null, [
          el('div', { className: 'who', text: recipientLabel(r.recipient) + (r.name ? ` · ${r.name}` : '') }),
          el('div', { className: 'email', text: r.email }),
        ]),
        el('td', null, [el('span', { className: `chip s-${r.status}`, text: statusChip(r.status) })]),
        el('td', { text: String(r.attempts) }),
        // A bounce's diagnostic says more than the relay's 250 before it.
        el('td', { className: 'response', text: r.status === 'bounced' && r.diagnostic ? `bounced: ${r.diagnostic}` : (r.response ?? '') }),
        el(
          'td',
          { className: 'times' },
          times.map((t) => el('div', { text: t })),
        ),
        actions,
      ]);
    });
    parts.push(
      el('table', { className: 'deliveries' }, [
        el('thead', null, [
          el(
            'tr',
            null,
            ['Recipient', 'Status', 'Attempts', 'Last reply or bounce', 'Times', ''].map((h) => el('th', { text: h })),
          ),
        ]),
        el('tbody', null, rows),
      ]),
    );

    const log: HTMLElement[] = [];
    if (d.job && d.job.logs.length > 0) {
      log.push(el('h4', { text: 'Job log' }));
      log.push(el('pre', { className: 'log', text: d.job.logs.join('\n') }));
    }
    const scroll = drawer.scrollTop;
    section('d-main').replaceChildren(...parts);
    drawLetter(section('d-letter'), d, letterKey);
    section('d-log').replaceChildren(...log);
    drawer.hidden = false;
    backdrop.hidden = false;
    drawer.scrollTop = scroll;
  }
  function section(name: string): HTMLElement {
    let box = drawer.querySelector<HTMLElement>(`[data-part="${name}"]`);
    if (!box) {
      box = el('div', { 'data-part': name });
      drawer.appendChild(box);
    }
    return box;
  }
  // The letter's frame is only replaced when another letter is asked for: re-inserting
  // an iframe reloads it, and a poll every two seconds must not make it flicker.
  function drawLetter(box: HTMLElement, d: ApiAuthorityDetail, letterKey: string | null): void {
    if (!letterKey) {
      box.replaceChildren();
      return;
    }
    const src = `${base}/authorities/${encodeURIComponent(d.id)}/letters/${encodeURIComponent(letterKey)}`;
    if (box.getAttribute('data-src') === src) return;
    box.setAttribute('data-src', src);
    box.replaceChildren(
      el('h4', { text: `Letter as sent to ${recipientLabel(letterKey).toLowerCase()}` }),
      el('div', { className: 'letter' }, [
        el('div', { className: 'l-head' }, [
          el('span', { className: 'subject', text: 'Rendered again from the stored campaign' }),
          el('a', { href: `${src}?format=text`, target: '_blank', rel: 'noopener', text: 'Plain text' }),
        ]),
        el('iframe', { sandbox: '', src, title: `Letter to ${recipientLabel(letterKey)}`, loading: 'lazy' }),
      ]),
    );
  }

  // ---- polling -------------------------------------------------------------
  async function refreshSummary(): Promise<void> {
    drawSummary(await api<ApiSummary>(`${base}/summary`));
  }
  async function refreshAll(): Promise<void> {
    try {
      await Promise.all([refreshSummary(), refreshRows(), refreshDetail()]);
    } catch (error) {
      const live = byId('live');
      live.className = 'live offline';
      live.textContent = `cannot reach the ui (${(error as Error).message}); retrying`;
    }
  }
  async function loop(): Promise<void> {
    if (!document.hidden) await refreshAll();
    setTimeout(() => void loop(), config.pollMs);
  }

  const search = byId<HTMLInputElement>('search');
  const filter = byId<HTMLSelectElement>('status');
  search.value = state.q;
  filter.value = state.status;
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.q = search.value.trim();
      state.offset = 0;
      rememberInUrl();
      void refreshRows();
    }, 250);
  });
  filter.addEventListener('change', () => {
    state.status = filter.value;
    state.offset = 0;
    rememberInUrl();
    void refreshRows();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.open) closeDetail();
  });
  backdrop.addEventListener('click', closeDetail);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refreshAll();
  });
  void loop();
}
