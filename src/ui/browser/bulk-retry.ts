// "Retry failed deliveries…": which failures (every one, the permanent or
// the temporary ones) and, optionally, text their reply must contain. The
// page's own dialog says how many it will reset and shows the first few;
// the reset goes ahead only if the count is still the one confirmed.
import type { ApiBulkRetryPlan, ApiBulkRetryResult } from '../api-types.js';
import { wireAction } from './action-button.js';
import type { ApiClient } from './api-client.js';
import { type ConfirmDialog, FIRST_ROWS } from './confirm-dialog.js';
import type { ModalLayers } from './modal-layers.js';
import { plural } from './words.js';

export interface BulkRetryParts {
  form: HTMLFormElement;
  status: HTMLSelectElement;
  reply: HTMLInputElement;
  button: HTMLButtonElement;
}

export function wireBulkRetry(
  parts: BulkRetryParts,
  o: { api: ApiClient; base: string; layers: ModalLayers; confirm: ConfirmDialog; refreshAll(): Promise<void> },
): void {
  async function retry(): Promise<void> {
    const q = new URLSearchParams();
    if (parts.status.value) q.set('status', parts.status.value);
    if (parts.reply.value.trim()) q.set('reply', parts.reply.value.trim());
    const plan = await o.api.get<ApiBulkRetryPlan>(`${o.base}/retry-plan?${q.toString()}`);
    if (plan.deliveries === 0) return o.layers.notify(plan.lines.join(' '));
    const yes = await o.confirm.ask({
      title: `Retry ${plural(plan.deliveries, 'failed delivery', 'failed deliveries')}?`,
      summary:
        `${plural(plan.byStatus['permanent-failure'], 'permanent failure')} and ${plural(plan.byStatus['temporary-failure'], 'temporary failure')}, ` +
        `at ${plural(plan.authorities, 'authority', 'authorities')}.${plan.running ? ` ${plural(plan.running, 'more is', 'more are')} left alone: their job is running now.` : ''}`,
      rows: plan.first
        .slice(0, FIRST_ROWS)
        .map((d) => `${d.authorityId} · ${d.recipient} · ${d.email} · ${d.status}${d.response ? ` (${d.response})` : ''}`),
      more: plan.deliveries > FIRST_ROWS ? `and ${plural(plan.deliveries - FIRST_ROWS, 'more')}` : undefined,
      note: 'Each is put back to queued and its letter job runs again; a recipient already sent is not sent again.',
      yes: `Reset and send ${plural(plan.deliveries, 'delivery', 'deliveries')}`,
      no: 'Leave them as they are',
    });
    if (!yes) return o.layers.notify('Nothing was reset');
    q.set('expect', String(plan.deliveries));
    const result = await o.api.post<ApiBulkRetryResult>(`${o.base}/retry?${q.toString()}`);
    o.layers.notify(result.message);
    await o.refreshAll();
  }
  parts.form.addEventListener('submit', (event) => {
    event.preventDefault();
    parts.button.click();
  });
  wireAction(parts.button, () => retry().catch((error: Error) => o.layers.notify(`Not retried: ${error.message}`, true)));
}
