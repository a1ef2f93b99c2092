// The campaign's next scheduled run, or that it has none.
import type { ApiSchedule } from '../api-types.js';
import type { ApiClient } from './api-client.js';
import { setAttr, setText } from './dom.js';

export async function refreshSchedule(line: HTMLElement, api: ApiClient, base: string): Promise<void> {
  try {
    const s = await api.get<ApiSchedule>(`${base}/schedule`);
    setAttr(line, 'data-scheduled', String(s.scheduled));
    setText(line, s.scheduled ? `Next scheduled run: ${s.nextText ?? 'unknown'} (cron ${s.cron})` : 'Not scheduled');
  } catch {
    setText(line, 'Schedule: cannot read it');
  }
}
