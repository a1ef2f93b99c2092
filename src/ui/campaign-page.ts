/**
 * The campaign page at `/`: the frame is rendered here on the server; the
 * figures, the table and the detail drawer are drawn by
 * assets/campaign-page.js from the JSON API, which it polls every couple of
 * seconds so the page follows a run as it goes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { CampaignStatus, CampaignListing } from './campaign-status.js';
import { csrfToken, CSRF_FIELD } from './csrf.js';
import { escapeHtml, jsonForScript, renderPage } from './html.js';
import { nonceOf, pagePolicy } from './security-headers.js';
import { BOARD_PATH } from './bull-board.js';
import { PACKAGE_ROOT } from '../paths.js';

// From the package root, so the compiled page in dist/ reads the same files.
const ASSETS_DIR = join(PACKAGE_ROOT, 'src', 'ui', 'assets');
const PAGE_STYLE = readFileSync(join(ASSETS_DIR, 'campaign-page.css'), 'utf8');

export interface CampaignPageOptions {
  status: CampaignStatus;
  /** Shown when the URL names none; default the most recently stored campaign. */
  campaignId?: string;
  /** QUEUE_PREFIX, shown so an operator knows which installation this is. */
  prefix: string;
  /** How often the page asks for fresh figures. Default 2000 ms. */
  pollMs?: number;
}

/** What the browser script needs; nothing secret beyond the session's own CSRF token. */
export interface PageConfig {
  campaignId: string | null;
  csrfToken: string;
  role: 'operator' | 'viewer';
  pollMs: number;
}

/** A campaign id, or a test run's "<id>~test". */
const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,99}(~test)?$/;

export function campaignPage(options: CampaignPageOptions): Router {
  const router = express.Router();
  router.use('/assets', express.static(ASSETS_DIR, { index: false, maxAge: '5m' }));
  router.get('/', pagePolicy(), async (req, res, next) => {
    try {
      const campaigns = await options.status.campaigns();
      const asked = typeof req.query.campaign === 'string' && CAMPAIGN_ID.test(req.query.campaign) ? req.query.campaign : undefined;
      const chosen = asked ?? (options.campaignId && campaigns.some((c) => c.id === options.campaignId) ? options.campaignId : campaigns[0]?.id);
      const current = campaigns.find((c) => c.id === chosen);
      if (asked && !current) res.status(404);
      res.setHeader('Cache-Control', 'no-store');
      res.send(page(req, res, options, campaigns, current, asked));
    } catch (error) {
      next(error);
    }
  });
  return router;
}

const ROLE_LABEL = { operator: 'operator', viewer: 'read-only' } as const;

function page(req: Request, res: Response, options: CampaignPageOptions, campaigns: CampaignListing[], current: CampaignListing | undefined, asked: string | undefined): string {
  const user = req.session.user!;
  const config: PageConfig = {
    campaignId: current?.id ?? null,
    csrfToken: csrfToken(req),
    role: user.role,
    pollMs: options.pollMs ?? 2000,
  };
  const picker =
    campaigns.length > 0
      ? `<form class="picker" method="get" action="/"><label for="campaign">Campaign</label>
<select id="campaign" name="campaign">${campaigns
          .map((c) => `<option value="${escapeHtml(c.id)}"${c.id === current?.id ? ' selected' : ''}>${escapeHtml(c.id.endsWith('~test') ? `${c.id.slice(0, -5)} (test run)` : c.id)}</option>`)
          .join('')}</select><noscript><button class="btn">Show</button></noscript></form>`
      : '';
  const header = `<header class="bar">
<h1>Annual Review letters</h1>
${picker}
<span class="spacer"></span>
<a href="${BOARD_PATH}">Queues</a>
<span class="who" title="signed in as ${escapeHtml(user.name)}">${escapeHtml(user.name)} · ${ROLE_LABEL[user.role]}</span>
<form method="post" action="/logout"><input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(config.csrfToken)}"><button class="link" type="submit">Sign out</button></form>
</header>`;

  const body = current
    ? `${header}
<main>
<section class="title">
  <h2>Campaign ${escapeHtml(current.id)} <span class="year">reporting year ${escapeHtml(current.reportingYear)}</span></h2>
  <p class="meta">Stored ${escapeHtml(formatTime(current.storedAt))} · key prefix <code>${escapeHtml(options.prefix)}</code> · <span id="live" class="live" aria-live="polite">connecting…</span></p>
</section>
<section class="totals" id="totals" aria-label="Totals"></section>
<div class="progress" id="progress" aria-hidden="true"><span class="p-sent"></span><span class="p-temp"></span><span class="p-perm"></span></div>
<section class="toolbar" aria-label="Filter">
  <input id="search" type="search" placeholder="Search authorities by name" aria-label="Search authorities by name" autocomplete="off">
  <select id="status" aria-label="Filter by status">
    <option value="all">All authorities</option>
    <option value="failed">Any failure</option>
    <option value="temporary-failure">Temporary failures</option>
    <option value="permanent-failure">Permanent failures</option>
    <option value="pending">Pending</option>
    <option value="unsent">Not yet all sent</option>
    <option value="sent">All sent</option>
  </select>
  <span class="spacer"></span>
  <span class="legend"><span class="chip s-sent">✓ sent</span><span class="chip s-queued">• queued</span><span class="chip s-sending">↻ sending</span><span class="chip s-temporary-failure">! temporary failure</span><span class="chip s-permanent-failure">✕ permanent failure</span></span>
</section>
<table class="authorities">
  <thead><tr><th class="c-name">Authority</th><th class="c-kind">Kind</th><th>Deliveries</th></tr></thead>
  <tbody id="rows"><tr><td colspan="3" class="empty">Loading…</td></tr></tbody>
</table>
<nav class="pager" id="pager" aria-label="Pages"></nav>
</main>
<div id="backdrop" class="backdrop" hidden></div>
<aside id="detail" class="drawer" hidden aria-label="Authority details"></aside>
<div id="toast" class="toast" role="status" hidden></div>`
    : `${header}
<main><section class="nothing">
${asked ? `<h2>No campaign ${escapeHtml(asked)}</h2>` : '<h2>No campaign stored yet</h2>'}
<p>Nothing is stored under the key prefix <code>${escapeHtml(options.prefix)}</code>. Store a campaign with
<code>annual-review-mailer run --data DIR</code> or <code>annual-review-mailer schedule --data DIR</code>, then reload this page.</p>
${asked && campaigns.length > 0 ? '<p><a href="/">Show the latest campaign</a></p>' : ''}
</section></main>`;

  return renderPage({
    title: current ? `Campaign ${current.id} · Annual Review letters` : 'Annual Review letters',
    nonce: nonceOf(res),
    style: PAGE_STYLE,
    body: `${body}\n<script type="application/json" id="page-config">${jsonForScript(config)}</script>\n<script src="/assets/campaign-page.js" nonce="${nonceOf(res)}" defer></script>`,
  });
}

function formatTime(ms: number): string {
  return new Date(ms).toLocaleString('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'short' }) + ' London time';
}
