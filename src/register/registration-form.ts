/**
 * What the public form accepts: limits on every field, a name of letters,
 * spaces, hyphens, apostrophes and full stops only (the domain's rule: it is
 * written into an email from the Ombudsman's address), the data stage's own
 * email check, and the honeypot (a field people never see, so never fill).
 * Each problem is tied to its field, for the page to show beside it.
 */
import { isEmail, officerNameProblem } from '../domain/index.js';
import type { AuthorityChoice, AuthorityChoices } from './authority-choices.js';

/** The form's field names, as the page and the request use them. */
export const FIELDS = { authority: 'authority', name: 'full-name', email: 'email', honeypot: 'website' } as const;

export const LIMITS = { authority: 200, name: 100, email: 254 } as const;

/** Control characters and line breaks: they would end up in a CSV cell and in an email header. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export interface FieldError {
  field: 'authority' | 'name' | 'email';
  message: string;
}

export interface RegistrationInput {
  authority: AuthorityChoice;
  name: string;
  email: string;
}

export type FormCheck =
  | { ok: true; input: RegistrationInput; honeypot: boolean }
  | { ok: false; errors: FieldError[]; values: { authority: string; name: string; email: string } };

function text(body: unknown, field: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[field] : undefined;
  return typeof value === 'string' ? value.trim() : '';
}

/** The checked email field, or its problem. */
export function checkEmail(value: string): string | undefined {
  if (value === '') return 'Enter your work email address';
  if (value.length > LIMITS.email) return `Email address must be ${LIMITS.email} characters or fewer`;
  if (CONTROL.test(value) || !isEmail(value)) return 'Enter an email address in the correct format, like name@council.gov.uk';
  // A spreadsheet would read a cell starting with + or - as a formula: monitoring-officers.csv would change it.
  if (/^[+-]/.test(value)) return 'Enter an email address that starts with a letter or a digit';
  return undefined;
}

export function checkRegistrationForm(body: unknown, authorities: AuthorityChoices): FormCheck {
  const values = { authority: text(body, FIELDS.authority), name: text(body, FIELDS.name), email: text(body, FIELDS.email) };
  const errors: FieldError[] = [];

  const authority = values.authority.length <= LIMITS.authority ? authorities.find(values.authority) : undefined;
  if (values.authority === '') errors.push({ field: 'authority', message: 'Enter the name of your authority' });
  else if (!authority) errors.push({ field: 'authority', message: 'Choose your authority from the list' });

  if (values.name === '') errors.push({ field: 'name', message: 'Enter your full name' });
  else if (values.name.length > LIMITS.name)
    errors.push({ field: 'name', message: `Full name must be ${LIMITS.name} characters or fewer` });
  else if (CONTROL.test(values.name)) errors.push({ field: 'name', message: 'Full name must be on one line' });
  else {
    const problem = officerNameProblem(values.name);
    if (problem) errors.push({ field: 'name', message: problem });
  }

  const emailProblem = checkEmail(values.email);
  if (emailProblem) errors.push({ field: 'email', message: emailProblem });

  if (errors.length > 0 || !authority) return { ok: false, errors, values };
  return { ok: true, input: { authority, name: values.name, email: values.email }, honeypot: text(body, FIELDS.honeypot) !== '' };
}
