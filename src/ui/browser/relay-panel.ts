// The relay's circuit breaker: sending, or held since when with the relay's
// last answer and the next try; operators get "Try the relay now". A change
// between the two is announced once.
import type { ApiRelay, ApiTryRelay } from '../api-types.js';
import { setApplies, wireAction } from './action-button.js';
import type { Announcer } from './announcer.js';
import type { ApiClient } from './api-client.js';
import { setAttr, setText } from './dom.js';
import type { ModalLayers } from './modal-layers.js';
import { sentence } from './words.js';

export class RelayPanel {
  private state: ApiRelay['state'] | null = null;

  constructor(
    private readonly box: HTMLElement,
    private readonly text: HTMLElement,
    private readonly tryNow: HTMLButtonElement | null,
    private readonly api: ApiClient,
    layers: ModalLayers,
    private readonly announcer: Announcer,
  ) {
    if (tryNow) {
      setApplies(tryNow, false);
      wireAction(tryNow, async () => {
        try {
          layers.notify((await api.post<ApiTryRelay>('/api/relay/try-now')).message);
        } catch (error) {
          layers.notify(`Relay not tried: ${(error as Error).message}`, true);
        }
        await this.refresh();
      });
    }
  }

  async refresh(): Promise<void> {
    let relay: ApiRelay;
    try {
      relay = await this.api.get<ApiRelay>('/api/relay');
    } catch {
      setText(this.text, 'Relay: cannot read the circuit breaker');
      return;
    }
    setAttr(this.box, 'data-relay-state', relay.state);
    const words =
      relay.state === 'open' && relay.description
        ? sentence(relay.description)
        : `Relay: sending (circuit breaker closed)${relay.queuePaused ? '; the letters queue is paused by hand' : ''}`;
    setText(this.text, words);
    if (this.tryNow) setApplies(this.tryNow, relay.state === 'open');
    if (this.state !== null && this.state !== relay.state)
      this.announcer.say(relay.state === 'open' ? `${words}.` : 'The relay is sending again.');
    this.state = relay.state;
  }
}
