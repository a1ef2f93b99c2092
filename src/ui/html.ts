/**
 * The console's own pages, from Handlebars templates in src/ui/pages/, which
 * escape every value by default. Styles are stylesheets under /assets; the
 * page's script (an ES module, and the modules it imports, which inherit its
 * nonce) runs only with the response's CSP nonce. The one value put in
 * unescaped is the page's JSON configuration, made safe for a <script> block
 * by `jsonForScript`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { PACKAGE_ROOT } from '../paths.js';

// From the package root, so the compiled code in dist/ reads the same files.
const PAGES_DIR = join(PACKAGE_ROOT, 'src', 'ui', 'pages');

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

const handlebars = Handlebars.create();
handlebars.registerHelper('json', (value: unknown) => new handlebars.SafeString(jsonForScript(value)));
handlebars.registerPartial('layout', readFileSync(join(PAGES_DIR, 'layout.hbs'), 'utf8'));

function page<T extends object>(name: string): (data: T) => string {
  const template = handlebars.compile<T>(readFileSync(join(PAGES_DIR, `${name}.hbs`), 'utf8'), { strict: true });
  return (data) => template(data);
}

export interface LoginPage {
  stylesheets: string[];
  error: string | null;
  csrfToken: string;
  next: string;
  name: string;
}

export interface LogoutPage {
  stylesheets: string[];
  csrfToken: string;
}

export interface CampaignPageView {
  title: string;
  stylesheets: string[];
  nonce: string;
  boardPath: string;
  prefix: string;
  user: { name: string; roleLabel: string };
  campaigns: Array<{ id: string; label: string; selected: boolean }>;
  current: { id: string; reportingYear: string; stored: string } | null;
  asked: string | null;
  showLatest: boolean;
  filters: Array<{ value: string; label: string }>;
  /** Operators get the recovery actions; read-only users see the same page without them. */
  canChange: boolean;
  retryChoices: Array<{ value: string; label: string }>;
  legend: Array<{ status: string; symbol: string; text: string }>;
  config: unknown;
}

export interface RegistrationsPageView {
  stylesheets: string[];
  boardPath: string;
  csrfToken: string;
  user: { name: string; roleLabel: string };
  notice: string | null;
  /** A decision refused (a reason missing, a withdrawn registration), shown above the list. */
  error: string | null;
  rows: Array<{
    id: string;
    authorityId: string;
    authorityName: string;
    name: string;
    email: string;
    /** The address's domain, and whose of the authority's it is (null: none of them). */
    domain: string;
    match: string | null;
    /** The authority's domains, and whose: "barnsley.gov.uk (chief executive, political head)". */
    knownDomains: string;
    officersOnFile: Array<{ name: string; email: string; source: string }>;
    /** The address's history, each line dated, oldest first. */
    history: string[];
    rejectedBefore: boolean;
    status: string;
    statusLabel: string;
    confirmedAt: string;
    confirmedFrom: string;
    withdrawnAt: string | null;
    decision: string;
    canApprove: boolean;
    canReject: boolean;
    /** Approving needs a typed reason: the address is at none of the authority's domains. */
    needsReason: boolean;
  }>;
  total: number;
  page: number;
  pages: number;
  /** Links to the neighbouring pages, when there are any. */
  newer: string | null;
  older: string | null;
}

export const loginPage = page<LoginPage>('login');
export const logoutPage = page<LogoutPage>('logout');
export const campaignPageHtml = page<CampaignPageView>('campaign');
export const registrationsPageHtml = page<RegistrationsPageView>('registrations');
