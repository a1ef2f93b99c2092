// The campaign page's relay and recovery panel: the relay's circuit breaker
// (and, for operators, "Try the relay now"), the campaign's next scheduled
// run, the bulk retry of failed deliveries (it shows what it will reset and
// asks first) and "Cancel run". Every value from the server goes into the
// page as text (textContent), never as HTML.
import type {
  ApiBulkRetryPlan,
  ApiBulkRetryResult,
  ApiCancelResult,
  ApiError,
  ApiRelay,
  ApiSchedule,
  ApiTryRelay,
  PageConfig,
} from '../api-types.js';

const configNode = document.getElementById('page-config');
const box = document.getElementById('operator-actions');
const config = JSON.parse(configNode?.textContent ?? '{}') as PageConfig;
if (config.campaignId && box) startPanel(config.campaignId, box);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string>, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function api<T>(path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method === 'POST') headers['X-CSRF-Token'] = config.csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', cache: 'no-store' });
  const body = (await res.json()) as T | ApiError;
  if (!res.ok) throw new Error((body as ApiError).message || `HTTP ${res.status}`);
  return body as T;
}

function toast(message: string, isError = false): void {
  const t = document.getElementById('toast');
  if (!t) return;
  t.textContent = message;
  t.className = `toast${isError ? ' error' : ''}`;
  t.hidden = false;
}

function startPanel(campaignId: string, panel: HTMLElement): void {
  const base = `/api/campaigns/${encodeURIComponent(campaignId)}`;
  const canChange = config.role === 'operator';

  // ---- the relay's circuit breaker ------------------------------------------
  const relay = el('div', { class: 'relay', id: 'relay', 'data-relay-state': 'unknown', 'aria-live': 'polite' });
  const relayText = el('span', { class: 'relay-text' }, 'Relay: …');
  relay.appendChild(relayText);
  const tryNow = el('button', { class: 'btn primary', type: 'button', 'data-action': 'try-relay' }, 'Try the relay now');
  tryNow.hidden = true;
  tryNow.title = 'Closes the circuit breaker now: the workers send again at once, and the jobs it held come back';
  tryNow.addEventListener('click', () => {
    tryNow.disabled = true;
    api<ApiTryRelay>('/api/relay/try-now', 'POST')
      .then(
        (r) => toast(r.message),
        (e: Error) => toast(`Relay not tried: ${e.message}`, true),
      )
      .then(refreshRelay)
      .finally(() => (tryNow.disabled = false));
  });
  if (canChange) relay.appendChild(tryNow);
  panel.appendChild(relay);

  async function refreshRelay(): Promise<void> {
    try {
      const r = await api<ApiRelay>('/api/relay');
      relay.setAttribute('data-relay-state', r.state);
      relayText.textContent =
        r.state === 'open' && r.description
          ? r.description
          : `Relay: sending (circuit breaker closed)${r.queuePaused ? '; the letters queue is paused by hand' : ''}`;
      tryNow.hidden = r.state !== 'open';
    } catch {
      relayText.textContent = 'Relay: cannot read the circuit breaker';
    }
  }

  // ---- the campaign's annual schedule ----------------------------------------
  const schedule = el('div', { class: 'schedule', id: 'schedule' }, 'Schedule: …');
  panel.appendChild(schedule);
  async function refreshSchedule(): Promise<void> {
    try {
      const s = await api<ApiSchedule>(`${base}/schedule`);
      schedule.setAttribute('data-scheduled', String(s.scheduled));
      schedule.textContent = s.scheduled ? `Next scheduled run: ${s.nextText ?? 'unknown'} (cron ${s.cron})` : 'Not scheduled';
    } catch {
      schedule.textContent = 'Schedule: cannot read it';
    }
  }

  // ---- operators: bulk retry and cancel ---------------------------------------
  if (canChange) {
    const actions = el('div', { class: 'bulk-retry' });
    const cancel = el('button', { class: 'btn', type: 'button', 'data-action': 'cancel-run' }, 'Cancel run…');
    cancel.title = "Removes this campaign's letter jobs not yet started; what was sent stays sent, and run again carries on";
    cancel.addEventListener('click', () => {
      const question = `Cancel the run of campaign ${campaignId}? Its letter jobs not yet started are removed; jobs running now finish their authority; other campaigns are not touched.`;
      if (!window.confirm(question)) return;
      cancel.disabled = true;
      api<ApiCancelResult>(`${base}/cancel`, 'POST')
        .then(
          (r) => toast(r.message),
          (e: Error) => toast(`Not cancelled: ${e.message}`, true),
        )
        .finally(() => (cancel.disabled = false));
    });

    const status = el('select', { id: 'retry-status', 'aria-label': 'Which failures to retry' });
    for (const [value, label] of [
      ['', 'Every failure'],
      ['permanent-failure', 'Permanent failures'],
      ['temporary-failure', 'Temporary failures'],
    ] as const) {
      status.appendChild(el('option', { value }, label));
    }
    const reply = el('input', {
      id: 'retry-reply',
      type: 'search',
      placeholder: 'reply contains (optional)',
      'aria-label': 'Only failures whose reply contains',
      autocomplete: 'off',
    });
    const go = el('button', { class: 'btn', type: 'button', 'data-action': 'retry-deliveries' }, 'Retry failed deliveries…');
    go.title = 'Shows how many deliveries it will reset and asks first; each is then sent once';
    go.addEventListener('click', () => {
      const q = new URLSearchParams();
      if (status.value) q.set('status', status.value);
      if (reply.value.trim()) q.set('reply', reply.value.trim());
      go.disabled = true;
      void (async () => {
        const plan = await api<ApiBulkRetryPlan>(`${base}/retry-plan?${q.toString()}`);
        if (plan.deliveries === 0) return toast(plan.lines.join(' '));
        if (!window.confirm(`${plan.lines.join('\n')}\n\nReset these ${plan.deliveries} deliveries and send them?`))
          return toast('Nothing was reset');
        q.set('expect', String(plan.deliveries));
        const result = await api<ApiBulkRetryResult>(`${base}/retry?${q.toString()}`, 'POST');
        toast(result.message);
      })()
        .catch((e: Error) => toast(`Not retried: ${e.message}`, true))
        .finally(() => (go.disabled = false));
    });
    actions.append(cancel, status, reply, go);
    panel.appendChild(actions);
  }

  const loop = (): void => {
    void (document.hidden ? Promise.resolve() : Promise.all([refreshRelay(), refreshSchedule()])).then(() =>
      setTimeout(loop, config.pollMs),
    );
  };
  loop();
}
