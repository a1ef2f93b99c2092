// Where the campaign's run stands, in the server's words (sending, paused by
// the relay's breaker with its last answer, cancelled by whom and when,
// finished with how many letters not sent, not started), and when the page
// last heard from the console. Read where it stands; a change of state is
// announced (ChangeWatcher), the time of each poll is not.
import type { ApiSummary } from '../api-types.js';
import { setAttr, setText } from './dom.js';
import { clock, sentence } from './words.js';

export class RunStateView {
  constructor(
    private readonly state: HTMLElement,
    private readonly updated: HTMLElement,
  ) {}

  draw(s: ApiSummary['state']): void {
    setAttr(this.state, 'data-state', s.state);
    setText(this.state, sentence(s.text));
    setText(this.updated, `updated ${clock()}`);
  }

  offline(message: string): void {
    setAttr(this.state, 'data-state', 'offline');
    setText(this.updated, `cannot reach the console (${message}); trying again`);
  }
}
