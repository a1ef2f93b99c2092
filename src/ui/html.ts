/**
 * Server-rendered HTML for the ui's own pages: escaping, and the frame every
 * page shares (head, styles, header bar). Every value put into a page goes
 * through `escapeHtml`; scripts and styles run only with the response's nonce.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** JSON for a <script type="application/json"> block: nothing in it can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

export interface PageOptions {
  title: string;
  /** The CSP nonce of this response. */
  nonce: string;
  body: string;
  /** Extra CSS for this page. */
  style?: string;
  /** Inline script for this page, run with the nonce. */
  script?: string;
  /** Extra <head> content (meta tags). */
  head?: string;
}

export const BASE_STYLE = `
:root {
  --ink: #1d2733; --muted: #5b6878; --line: #dde3ea; --bg: #f4f6f9; --card: #fff;
  --brand: #17324d; --brand-ink: #fff; --accent: #1f6feb;
  --sent: #1a7f37; --sent-bg: #dcf5e3; --pending: #4a5a6e; --pending-bg: #e8edf3;
  --sending: #0b5cad; --sending-bg: #dbeafe; --temp: #8a5300; --temp-bg: #fff0cc;
  --perm: #b42318; --perm-bg: #fde3e1; --none: #6b7785; --none-bg: #f1f3f5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); background: var(--bg); font-size: 14px; line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
header.bar { display: flex; align-items: center; gap: 16px; padding: 10px 24px; background: var(--brand); color: var(--brand-ink); }
header.bar h1 { font-size: 16px; font-weight: 600; margin: 0; letter-spacing: .01em; }
header.bar .spacer { flex: 1; }
header.bar a, header.bar .who { color: #d6e2ef; text-decoration: none; font-size: 13px; }
header.bar a:hover { color: #fff; text-decoration: underline; }
header.bar form { margin: 0; }
header.bar button.link { background: none; border: 1px solid #4c6a88; color: #d6e2ef; border-radius: 6px; padding: 4px 10px; cursor: pointer; font: inherit; font-size: 13px; }
header.bar button.link:hover { background: #24476b; color: #fff; }
button, select, input { font: inherit; }
.btn { border: 1px solid var(--line); background: #fff; border-radius: 6px; padding: 5px 12px; cursor: pointer; color: var(--ink); }
.btn:hover { border-color: #b9c4d0; background: #f8fafc; }
.btn.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
.btn.primary:hover { background: #1a5fcc; }
.btn:disabled { opacity: .5; cursor: default; }
`;

export function renderPage(options: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(options.title)}</title>
${options.head ?? ''}
<style nonce="${options.nonce}">${BASE_STYLE}${options.style ?? ''}</style>
</head>
<body>
${options.body}
${options.script ? `<script nonce="${options.nonce}">${options.script}</script>` : ''}
</body>
</html>`;
}
