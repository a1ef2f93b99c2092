/**
 * bull-board for the letters and campaigns queues, at /queues. Two boards
 * over the same queues: the operator's, and a read-only one (bull-board's
 * readOnlyMode) for read-only users, so they see no buttons that would only
 * be refused. The refusal itself is `requireOperatorForChanges`, by method,
 * in front of both: hiding buttons is not a guard.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import type { UiRole } from './users.js';

export const BOARD_PATH = '/queues';

function board(queues: readonly Queue[], readOnly: boolean): RequestHandler {
  const serverAdapter = new ExpressAdapter().setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'Annual Review',
        ...(readOnly ? { environment: { label: 'read-only', color: '#8a5300' } } : {}),
        miscLinks: [
          { text: 'Campaign page', url: '/' },
          { text: 'Sign out', url: '/logout' },
        ],
        hideDocsLink: true,
      },
    },
  });
  return serverAdapter.getRouter() as RequestHandler;
}

/** One handler for /queues that serves each role its own board. */
export function queueBoards(queues: readonly Queue[], roleOf: (req: Parameters<RequestHandler>[0]) => UiRole | undefined): RequestHandler {
  const operator = board(queues, false);
  const viewer = board(queues, true);
  return (req, res, next) => (roleOf(req) === 'operator' ? operator : viewer)(req, res, next);
}
