/**
 * bull-board for the letters and campaigns queues, at /queues. Two boards
 * over the same queues: the operator's, and a read-only one (bull-board's
 * readOnlyMode) for read-only users, so they see no buttons that would only
 * be refused. The refusal itself is `requireOperatorForChanges`, by method,
 * in front of both: hiding buttons is not a guard. Neither board adds jobs
 * or edits their data (WRITES_JOB_DATA).
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler } from 'express';
import type { UiRole } from './users.js';

export const BOARD_PATH = '/queues';

/**
 * bull-board routes that would put into our queues data no operation wrote:
 * adding a job, editing a job's data, and rewriting a Job Scheduler's template.
 * Jobs reach our queues only through the fan-out and the operations (the
 * workers refuse anything else as well); bull-board answers these 405.
 */
const WRITES_JOB_DATA = new Set([
  '/api/queues/:queueName/add',
  '/api/queues/:queueName/:jobId/update-data',
  '/api/queues/:queueName/job-schedulers/:schedulerId',
]);

function board(queues: readonly Queue[], readOnly: boolean): RequestHandler {
  const serverAdapter = new ExpressAdapter().setBasePath(BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly })),
    serverAdapter,
    options: {
      handlerHooks: {
        before: ({ route, method }) =>
          WRITES_JOB_DATA.has(route) && method !== 'get'
            ? {
                allow: false,
                status: 405,
                message:
                  'jobs of this installation are added and changed only by its own commands and the campaign page (run, retry, readdress, resend, schedule)',
              }
            : undefined,
      },
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
