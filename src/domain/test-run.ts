/** A test run's settings, as `run --test-to` stores them for the workers. */

/** The wording of the test marks: templates/test-mode/subject.hbs, notice.html.hbs and notice.txt.hbs. */
export interface TestNoticeSource {
  subject: string;
  html: string;
  text: string;
}

export interface TestRunSettings {
  /** The real campaign id. */
  campaign: string;
  /** The one inbox every letter of the run goes to. */
  to: string;
  /** ISO 8601. */
  startedAt: string;
  /** The Handlebars sources of the test marks, read by `run` from templates/test-mode/. */
  notice: TestNoticeSource;
}
