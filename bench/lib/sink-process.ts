/**
 * The local SMTP sink every sending figure talks to, in a child process of
 * its own so that it never competes with the client for an event loop. It is
 * the demo's SmtpSink (smtp-server underneath), keeping nothing but a count
 * and each message's id. Driven over IPC by bench/lib/children.ts:
 *
 *   parent -> { type: 'reset' }               forget what was received
 *   parent -> { type: 'await', count }        answer 'reached' once `count` messages are in (several may wait)
 *   parent -> { type: 'stats' }               answer 'stats'
 *   child  -> { type: 'ready', url }
 *   child  -> { type: 'reached', count, at }  at: Date.now() when the count-th message arrived
 *   child  -> { type: 'stats', received, distinct, cpuMs }
 */
import { SmtpSink } from '../../src/demo/smtp-sink.js';

export type SinkRequest = { type: 'reset' } | { type: 'await'; count: number } | { type: 'stats' } | { type: 'stop' };
export type SinkReply =
  | { type: 'ready'; url: string }
  | { type: 'reached'; count: number; at: number }
  | { type: 'stats'; received: number; distinct: number; cpuMs: number };

function send(reply: SinkReply): void {
  process.send?.(reply);
}

let received = 0;
/** Counts someone is waiting for, each answered once when reached. */
let waitingFor: number[] = [];
const ids = new Set<string>();

const sink = new SmtpSink({
  onMessage: (message) => {
    received++;
    ids.add(message.messageId);
    if (waitingFor.length > 0 && received >= waitingFor[0]!) {
      const at = Date.now();
      while (waitingFor.length > 0 && received >= waitingFor[0]!) send({ type: 'reached', count: waitingFor.shift()!, at });
    }
    return null;
  },
});
// The demo sink also lists every message; the bench only counts, so it keeps the list empty.
const list = sink.received;

process.on('message', (request: SinkRequest) => {
  if (request.type === 'reset') {
    received = 0;
    waitingFor = [];
    ids.clear();
    list.length = 0;
  } else if (request.type === 'await') {
    if (received >= request.count) send({ type: 'reached', count: request.count, at: Date.now() });
    else waitingFor = [...waitingFor, request.count].sort((a, b) => a - b);
  } else if (request.type === 'stats') {
    const cpu = process.cpuUsage();
    list.length = 0;
    send({ type: 'stats', received, distinct: ids.size, cpuMs: (cpu.user + cpu.system) / 1000 });
  } else if (request.type === 'stop') {
    void sink.stop().finally(() => process.exit(0));
  }
});
setInterval(() => {
  list.length = 0;
}, 1000).unref();

const url = await sink.start();
send({ type: 'ready', url });
