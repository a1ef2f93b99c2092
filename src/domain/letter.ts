/** A letter as the render stage makes it, and as the campaign store keeps its templates. */

/** A rendered message for one recipient; headers other than these come from the campaign. */
export interface RenderedLetter {
  subject: string;
  html: string;
  text: string;
}

/**
 * The letter's templates after MJML: Handlebars sources for the HTML and the
 * text part. `run` compiles them once and stores them with the campaign, so
 * every worker sends exactly the templates that were validated, and needs
 * neither MJML nor the template files.
 */
export interface CompiledLetter {
  html: string;
  text: string;
}
