/** The letter templates cannot make a letter: a missing partial, a rule they break, wording the campaign lacks, MJML's validation. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}
