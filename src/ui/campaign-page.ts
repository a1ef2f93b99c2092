/**
 * The campaign page at `/`: the frame (headings, forms, the dialogs' bare
 * markup) is rendered here on the server; the figures, the table and the
 * details are drawn by the browser script (src/ui/browser/campaign-page.ts)
 * from the JSON API, which it polls every couple of seconds so the page
 * follows a run as it goes.
 */
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { PACKAGE_ROOT } from '../paths.js';
import type { PageConfig } from './api-types.js';
import { BOARD_PATH } from './bull-board.js';
import type { CampaignListing, CampaignStatus } from './campaign-status.js';
import { csrfToken } from './csrf.js';
import { campaignPageHtml } from './html.js';
import { FILTER_LABELS, PAGE_LABELS, RETRY_CHOICE_LABELS, ROLE_LABELS, STATUS_LABELS } from './labels.js';
import { pageQuery } from './request-params.js';
import { nonceOf, pagePolicy } from './security-headers.js';

// From the package root, so the compiled code in dist/ reads the same files.
const STYLE_DIR = join(PACKAGE_ROOT, 'src', 'ui', 'assets');
/** The browser script, compiled by `npm run build` from src/ui/browser/ (tsconfig.browser.json). */
const SCRIPT_DIR = join(PACKAGE_ROOT, 'dist', 'ui-browser');

export interface CampaignPageOptions {
  status: CampaignStatus;
  /** Shown when the URL names none; default the one being sent, else the latest with deliveries (CampaignStatus.defaultCampaign). */
  campaignId?: string;
  /** QUEUE_PREFIX, shown so an operator knows which installation this is. */
  prefix: string;
  /** How often the page asks for fresh figures. Default 2000 ms. */
  pollMs?: number;
}

/** Stylesheets and the page script: public, nothing in them is secret, and the login page needs them before a session. */
export function campaignPageAssets(): Router {
  const router = express.Router();
  const serve = { index: false, maxAge: '5m', fallthrough: true } as const;
  router.use('/assets', express.static(STYLE_DIR, serve), express.static(SCRIPT_DIR, serve));
  return router;
}

export function campaignPage(options: CampaignPageOptions): Router {
  const router = express.Router();
  router.get('/', pagePolicy(), async (req, res, next) => {
    try {
      const campaigns = await options.status.campaigns();
      // A malformed ?campaign= is ignored, as if none were asked for.
      const asked = pageQuery.safeParse(req.query).data?.campaign;
      const chosen =
        asked ??
        (options.campaignId && campaigns.some((c) => c.id === options.campaignId)
          ? options.campaignId
          : await options.status.defaultCampaign(campaigns));
      const current = campaigns.find((c) => c.id === chosen);
      if (asked && !current) res.status(404);
      res.send(page(req, res, options, campaigns, current, asked));
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function page(
  req: Request,
  res: Response,
  options: CampaignPageOptions,
  campaigns: CampaignListing[],
  current: CampaignListing | undefined,
  asked: string | undefined,
): string {
  const user = req.session.user!;
  const config: PageConfig = {
    campaignId: current?.id ?? null,
    csrfToken: csrfToken(req),
    role: user.role,
    pollMs: options.pollMs ?? 2000,
    labels: PAGE_LABELS,
  };
  return campaignPageHtml({
    title: current ? `Campaign ${current.id} · Annual Review letters` : 'Annual Review letters',
    stylesheets: ['campaign-page.css'],
    nonce: nonceOf(res),
    boardPath: BOARD_PATH,
    prefix: options.prefix,
    user: { name: user.name, roleLabel: ROLE_LABELS[user.role] },
    campaigns: campaigns.map((c) => ({
      id: c.id,
      label: c.id.endsWith('~test') ? `${c.id.slice(0, -5)} (test run)` : c.id,
      selected: c.id === current?.id,
    })),
    current: current ? { id: current.id, reportingYear: current.reportingYear, stored: formatTime(current.storedAt) } : null,
    asked: asked ?? null,
    showLatest: Boolean(asked) && campaigns.length > 0,
    filters: Object.entries(FILTER_LABELS).map(([value, label]) => ({ value, label })),
    canChange: user.role === 'operator',
    retryChoices: Object.entries(RETRY_CHOICE_LABELS).map(([value, label]) => ({ value, label })),
    legend: Object.entries(STATUS_LABELS)
      .filter(([status]) => status !== 'not-queued')
      .map(([status, label]) => ({ status, ...label })),
    config,
  });
}

function formatTime(ms: number): string {
  return `${new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' })} London time`;
}
