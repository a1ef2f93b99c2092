// "Cancel run…": the page's own dialog says how many letters are not sent
// yet and to which authorities (the first few), and what cancelling does;
// afterwards the run's state says who cancelled it and when.
import type { ApiAuthorityPage, ApiCancelResult, ApiSummary } from '../api-types.js';
import { wireAction } from './action-button.js';
import type { ApiClient } from './api-client.js';
import { type ConfirmDialog, FIRST_ROWS } from './confirm-dialog.js';
import type { ModalLayers } from './modal-layers.js';
import { plural, type Words } from './words.js';

export function wireCancelRun(
  button: HTMLButtonElement,
  o: {
    api: ApiClient;
    base: string;
    campaignId: string;
    words: Words;
    layers: ModalLayers;
    confirm: ConfirmDialog;
    refreshAll(): Promise<void>;
  },
): void {
  async function cancel(): Promise<void> {
    const [summary, unsent] = await Promise.all([
      o.api.get<ApiSummary>(`${o.base}/summary`),
      o.api.get<ApiAuthorityPage>(`${o.base}/authorities?status=unsent&offset=0&limit=${FIRST_ROWS}`),
    ]);
    const owed = summary.totals.deliveries - summary.totals.sent;
    const yes = await o.confirm.ask({
      title: `Cancel the run of campaign ${o.campaignId}?`,
      summary: `${plural(owed, 'letter')} not sent yet, to ${plural(unsent.matched, 'authority', 'authorities')}. The run is ${summary.state.text}.`,
      rows: unsent.rows.map((row) => {
        const names = o.words.recipients(row.deliveries);
        const waiting = row.deliveries
          .filter((d) => d.status !== 'sent')
          .map((d) => `${names.get(d.recipient)?.long ?? d.recipient} ${o.words.status(d.status)}`);
        return `${row.name}: ${waiting.join(', ')}`;
      }),
      more:
        unsent.matched > unsent.rows.length
          ? `and ${plural(unsent.matched - unsent.rows.length, 'more authority', 'more authorities')}`
          : undefined,
      note:
        'Its letter jobs not yet started are removed; jobs running now finish their authority; other campaigns are not touched. ' +
        'What was sent stays sent, and run again carries on without sending anything twice.',
      yes: 'Cancel the run',
      no: 'Keep sending',
    });
    if (!yes) return;
    const result = await o.api.post<ApiCancelResult>(`${o.base}/cancel`);
    o.layers.notify(result.message);
    await o.refreshAll();
  }
  wireAction(button, () => cancel().catch((error: Error) => o.layers.notify(`Not cancelled: ${error.message}`, true)));
}
