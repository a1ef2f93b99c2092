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
  /** The email body when the letter travels only as a PDF (`letterAs: "pdf"`): Handlebars, HTML and text. */
  coverNote?: { html: string; text: string };
}

/** The letter as a document: the source of its PDF. */
export interface LetterDocument {
  /** The PDF's title: the letter's subject. */
  title: string;
  /** The chief executive's letter, as the email's HTML: one layout for both. */
  html: string;
}
