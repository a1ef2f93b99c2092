/**
 * The register server's pages, plain and GOV.UK-like: one question per
 * label, an error summary that links to each field, each error tied to its
 * field with aria-describedby, and no script at all, so everything works from
 * the keyboard and without JavaScript. The authority picker is an input with
 * a datalist: type to search, or type the name. Every value is escaped.
 */

const escapeHtml = (value: string): string => Handlebars.escapeExpression(value);

import Handlebars from 'handlebars';
import type { AuthorityChoice } from './authority-choices.js';
import { FIELDS, type FieldError, LIMITS } from './registration-form.js';

const STYLE = `
body { margin: 0; font-family: Arial, sans-serif; font-size: 19px; line-height: 1.32; color: #0b0c0c; background: #fff; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 8px; top: 8px; background: #fd0; color: #0b0c0c; padding: 6px; outline: 3px solid #0b0c0c; }
header { background: #0b0c0c; color: #fff; padding: 10px 0; border-bottom: 10px solid #1d70b8; }
header p { margin: 0 auto; max-width: 960px; padding: 0 15px; font-weight: 700; }
main { max-width: 640px; margin: 0 auto; padding: 30px 15px 60px; }
h1 { font-size: 36px; margin: 0 0 30px; }
a { color: #1d70b8; }
a:focus, input:focus, button:focus { outline: 3px solid #fd0; outline-offset: 0; box-shadow: inset 0 0 0 2px #0b0c0c; }
.group { margin-bottom: 30px; }
.group.error { border-left: 5px solid #d4351c; padding-left: 15px; }
label { display: block; font-weight: 700; margin-bottom: 5px; }
.hint { color: #505a5f; margin: 0 0 10px; }
.message { color: #d4351c; font-weight: 700; margin: 0 0 10px; }
input[type=text], input[type=email] { box-sizing: border-box; width: 100%; font: inherit; padding: 5px; border: 2px solid #0b0c0c; }
.error input { border-color: #d4351c; }
button { font: inherit; background: #00703c; color: #fff; border: 0; box-shadow: 0 2px 0 #002d18; padding: 8px 12px; cursor: pointer; }
.summary { border: 5px solid #d4351c; padding: 15px; margin-bottom: 30px; }
.summary h2 { margin-top: 0; font-size: 24px; }
.summary ul { margin: 0; padding-left: 0; list-style: none; }
.summary a { color: #d4351c; font-weight: 700; }
.panel { background: #00703c; color: #fff; padding: 25px; margin-bottom: 30px; }
.panel h1 { margin: 0; }
.trap { position: absolute; left: -9999px; }
footer { max-width: 640px; margin: 0 auto; padding: 0 15px 30px; color: #505a5f; font-size: 16px; }
`;

export interface PageFrame {
  title: string;
  nonce: string;
  body: string;
  /** The page shows errors: its title starts with "Error:", as GOV.UK pages do. */
  hasErrors?: boolean;
}

export function registerPage(frame: PageFrame): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.hasErrors ? 'Error: ' : ''}${escapeHtml(frame.title)} – Annual Review letter</title>
<style nonce="${frame.nonce}">${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header><p>Local Government and Social Care Ombudsman</p></header>
<main id="main">
${frame.body}
</main>
<footer><p>Your name and address are used only to send you the Ombudsman's Annual Review letter for your authority.
<a href="/withdraw">Stop receiving the letter</a>.</p></footer>
</body>
</html>`;
}

export interface FormValues {
  authority: string;
  name: string;
  email: string;
}

const EMPTY: FormValues = { authority: '', name: '', email: '' };

function summary(errors: readonly FieldError[], ids: Record<FieldError['field'], string>): string {
  if (errors.length === 0) return '';
  const items = errors.map((e) => `<li><a href="#${ids[e.field]}">${escapeHtml(e.message)}</a></li>`).join('');
  return `<div class="summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
<h2 id="error-summary-title">There is a problem</h2>
<ul>${items}</ul>
</div>`;
}

interface FieldSpec {
  id: string;
  name: string;
  label: string;
  hint?: string;
  type: 'text' | 'email';
  value: string;
  error?: string;
  maxLength: number;
  autocomplete: string;
  extra?: string;
}

function field(spec: FieldSpec): string {
  const described = [spec.hint ? `${spec.id}-hint` : '', spec.error ? `${spec.id}-error` : ''].filter(Boolean).join(' ');
  return `<div class="group${spec.error ? ' error' : ''}">
<label for="${spec.id}">${escapeHtml(spec.label)}</label>
${spec.hint ? `<p class="hint" id="${spec.id}-hint">${escapeHtml(spec.hint)}</p>` : ''}
${spec.error ? `<p class="message" id="${spec.id}-error"><span class="skip">Error:</span> ${escapeHtml(spec.error)}</p>` : ''}
<input id="${spec.id}" name="${spec.name}" type="${spec.type}" value="${escapeHtml(spec.value)}" maxlength="${spec.maxLength}" autocomplete="${spec.autocomplete}" spellcheck="false"${described ? ` aria-describedby="${described}"` : ''}${spec.error ? ' aria-invalid="true"' : ''}${spec.extra ?? ''}>
</div>`;
}

const errorOf = (errors: readonly FieldError[], name: FieldError['field']) => errors.find((e) => e.field === name)?.message;

export function registrationFormPage(
  nonce: string,
  authorities: readonly AuthorityChoice[],
  values: FormValues = EMPTY,
  errors: readonly FieldError[] = [],
): string {
  const ids = { authority: 'authority', name: 'full-name', email: 'email' } as const;
  const options = authorities.map((a) => `<option value="${escapeHtml(a.name)}"></option>`).join('');
  return registerPage({
    title: 'Register to receive the Annual Review letter',
    nonce,
    hasErrors: errors.length > 0,
    body: `${summary(errors, ids)}
<h1>Register to receive the Annual Review letter</h1>
<p>If you are the Monitoring Officer of an authority the Ombudsman oversees, you can receive a copy of its Annual Review letter directly.
We will email you a link to confirm your address. An Ombudsman officer then checks your registration before the next letters are sent.</p>
<form method="post" action="/register" novalidate>
${field({ id: ids.authority, name: FIELDS.authority, label: 'Your authority', hint: 'Start typing its name, then choose it from the list', type: 'text', value: values.authority, error: errorOf(errors, 'authority'), maxLength: LIMITS.authority, autocomplete: 'organization', extra: ' list="authority-list"' })}
<datalist id="authority-list">${options}</datalist>
${field({ id: ids.name, name: FIELDS.name, label: 'Full name', type: 'text', value: values.name, error: errorOf(errors, 'name'), maxLength: LIMITS.name, autocomplete: 'name' })}
${field({ id: ids.email, name: FIELDS.email, label: 'Work email address', hint: 'We will send the confirmation link and the letter here', type: 'email', value: values.email, error: errorOf(errors, 'email'), maxLength: LIMITS.email, autocomplete: 'email' })}
<div class="trap" aria-hidden="true"><label for="${FIELDS.honeypot}">Leave this empty</label><input id="${FIELDS.honeypot}" name="${FIELDS.honeypot}" type="text" tabindex="-1" autocomplete="off"></div>
<button type="submit">Register</button>
</form>
<p><a href="/authorities">See every authority as a list</a></p>`,
  });
}

/** Every authority by name: the picker's list for anyone whose browser shows no datalist suggestions. */
export function authorityListPage(nonce: string, authorities: readonly AuthorityChoice[]): string {
  return registerPage({
    title: 'Authorities',
    nonce,
    body: `<h1>Authorities</h1>
<p>Type your authority's name into the form exactly as it is shown here. <a href="/">Back to the form</a></p>
<ul>${authorities.map((a) => `<li>${escapeHtml(a.name)}</li>`).join('')}</ul>`,
  });
}

export function checkEmailPage(nonce: string, what: 'register' | 'withdraw'): string {
  const task = what === 'register' ? 'confirm your registration' : 'confirm that you want to stop receiving the letter';
  return registerPage({
    title: 'Check your email',
    nonce,
    body: `<h1>Check your email</h1>
<p>If we can act on that address, we have sent it an email with a link to ${task}. The link works once, for 48 hours.</p>
<p>No email after a few minutes? Check your spam folder. We send at most one email an hour to any address.</p>`,
  });
}

export function confirmPage(
  nonce: string,
  token: string,
  what: { purpose: 'confirm'; authorityName: string; name: string; email: string } | { purpose: 'withdraw'; email: string },
): string {
  const isConfirm = what.purpose === 'confirm';
  const title = isConfirm ? 'Confirm your registration' : 'Stop receiving the Annual Review letter';
  const detail = isConfirm
    ? `<p>Register <strong>${escapeHtml(what.name)}</strong>, <strong>${escapeHtml(what.email)}</strong>, as Monitoring Officer of <strong>${escapeHtml(what.authorityName)}</strong>?</p>`
    : `<p>Stop sending the Annual Review letter to <strong>${escapeHtml(what.email)}</strong>, for every authority it is registered for?</p>`;
  return registerPage({
    title,
    nonce,
    body: `<h1>${title}</h1>
${detail}
<form method="post" action="${isConfirm ? '/confirm' : '/withdraw/confirm'}">
<input type="hidden" name="token" value="${escapeHtml(token)}">
<button type="submit">${isConfirm ? 'Confirm registration' : 'Stop receiving the letter'}</button>
</form>`,
  });
}

export function donePage(nonce: string, what: 'confirmed' | 'withdrawn'): string {
  const title = what === 'confirmed' ? 'Registration confirmed' : 'You will not receive the letter';
  const text =
    what === 'confirmed'
      ? 'Thank you. An Ombudsman officer will check your registration; once approved, you will receive a copy of the Annual Review letter.'
      : 'Your registration is withdrawn. The next letters will not be sent to you. You can register again at any time.';
  return registerPage({
    title,
    nonce,
    body: `<div class="panel"><h1>${title}</h1></div>\n<p>${text}</p>\n<p><a href="/">Register an address</a></p>`,
  });
}

export function withdrawFormPage(nonce: string, value = '', error?: string): string {
  return registerPage({
    title: 'Stop receiving the Annual Review letter',
    nonce,
    hasErrors: Boolean(error),
    body: `${summary(error ? [{ field: 'email', message: error }] : [], { authority: 'email', name: 'email', email: 'email' })}
<h1>Stop receiving the Annual Review letter</h1>
<p>Enter the address the letter is sent to. We will email it a link to confirm.</p>
<form method="post" action="/withdraw" novalidate>
${field({ id: 'email', name: FIELDS.email, label: 'Email address', type: 'email', value, error, maxLength: LIMITS.email, autocomplete: 'email' })}
<div class="trap" aria-hidden="true"><label for="${FIELDS.honeypot}">Leave this empty</label><input id="${FIELDS.honeypot}" name="${FIELDS.honeypot}" type="text" tabindex="-1" autocomplete="off"></div>
<button type="submit">Send me a link</button>
</form>`,
  });
}

const REFUSALS = {
  forged: ['This link is not valid', 'Check that you copied the whole link from the email, or register again.'],
  expired: ['This link has expired', 'Links work for 48 hours. Start again to get a new one.'],
  used: ['This link has already been used', 'Each link works once. If you still need to, start again to get a new one.'],
  unknown: ['This authority is no longer listed', 'Register again, choosing your authority from the list.'],
  name: [
    'This link cannot be used',
    'The name it carries has characters we no longer accept. Register again, using letters, spaces, hyphens, apostrophes and full stops.',
  ],
} as const;

export function refusedPage(nonce: string, why: keyof typeof REFUSALS): string {
  const [title, text] = REFUSALS[why];
  return registerPage({ title, nonce, body: `<h1>${title}</h1>\n<p>${text}</p>\n<p><a href="/">Start again</a></p>` });
}

/** A form posted from another site's page. */
export function crossSitePage(nonce: string): string {
  return registerPage({
    title: 'This form was sent from another site',
    nonce,
    body: `<h1>This form was sent from another site</h1>\n<p>Nothing was done. To register or stop receiving the letter, use the form on this site.</p>\n<p><a href="/">Go to the form</a></p>`,
  });
}

/** The service cannot store anything just now (its database is away); it comes back by itself. */
export function unavailablePage(nonce: string): string {
  return registerPage({
    title: 'Sorry, the service is unavailable',
    nonce,
    body: `<h1>Sorry, the service is unavailable</h1>\n<p>Nothing was done. Please try again in a minute.</p>`,
  });
}

export function tooManyPage(nonce: string): string {
  return registerPage({
    title: 'Too many requests',
    nonce,
    body: `<h1>Sorry, there have been too many requests</h1>\n<p>Try again in an hour.</p>`,
  });
}
