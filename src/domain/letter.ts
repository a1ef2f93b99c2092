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
  /**
   * The letter on paper (templates/print.mjml, the same partials laid out for
   * A4), when the campaign has one: Handlebars HTML, and the letterhead's
   * logo as a data: URI, so a worker on any host prints exactly what was
   * approved with no file of the campaign folder.
   */
  print?: { html: string; logo: string | null };
}

/** The letter as a document: the source of its PDF. */
export interface LetterDocument {
  /** The PDF's title: the letter's subject. */
  title: string;
  /** The chief executive's letter in its print layout; the email's HTML when the campaign has none. */
  html: string;
}
