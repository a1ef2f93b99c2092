/**
 * campaign.json read with the position of every key kept (jsonc-parser's
 * tree), so each problem names the exact line of the key or list entry to
 * blame, and checked against the campaign's schema. List entries are counted
 * from 1 in what a person reads (`figures.4.column` is the fourth figure), as
 * they would count them in the file.
 */
import { findNodeAtLocation, type Node, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { z } from 'zod';
import { type Campaign, campaignSchema, type DataProblem } from '../domain/index.js';
import { nearName } from './did-you-mean.js';
import { ProblemLog } from './problem-log.js';
import { show } from './show-value.js';
import { decodeUtf8 } from './utf8.js';

export const CAMPAIGN_FILE = 'campaign.json';

/** A key path in campaign.json as code sees it: list entries by their index from 0. */
export type JsonPath = ReadonlyArray<string | number>;

/** The line of a key or list entry of campaign.json; where it is absent, the line of the nearest enclosing one that is there. */
export type LineOf = (path: JsonPath) => number;

export interface ParsedCampaign {
  /** The campaign, when the file is JSON that the schema accepts (other problems, such as a repeated key, may come with it). */
  campaign: Campaign | null;
  problems: DataProblem[];
  lineOf: LineOf;
}

/** A key path as a person reads it: `figures.4.column` for the fourth figure's column. */
export function fieldOf(path: JsonPath): string {
  return path.map((key) => (typeof key === 'number' ? String(key + 1) : key)).join('.') || '-';
}

/** campaign.json checked against its schema; each problem at the line of its key. */
export function parseCampaignJson(bytes: Uint8Array, file: string = CAMPAIGN_FILE): ParsedCampaign {
  const log = new ProblemLog(file);
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    log.addFileProblem(decoded.line, '-', 'is not valid UTF-8; save the file as UTF-8');
    return { campaign: null, problems: log.problems(), lineOf: () => 1 };
  }
  const text = decoded.text.charCodeAt(0) === 0xfeff ? decoded.text.slice(1) : decoded.text;
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const lineOf: LineOf = (path) => lines.lineAt(tree ? offsetOf(tree, path) : 0);
  const first = errors[0];
  if (text.trim() === '') {
    log.addFileProblem(undefined, '-', 'is empty; it holds the campaign as JSON (data/sample-2024-25/campaign.json is one)');
    return { campaign: null, problems: log.problems(), lineOf };
  }
  if (first || !tree) {
    // Later errors are mostly the first one seen again from further on.
    const at = first ? blamedOffset(first, text) : text.length;
    log.addFileProblem(lines.lineAt(at), '-', `is not valid JSON: ${syntaxReason(first, text)} (column ${lines.columnAt(at)})`);
    return { campaign: null, problems: log.problems(), lineOf };
  }

  const problems: DataProblem[] = repeatedKeys(tree, [], lines, file);
  const parsed = campaignSchema.safeParse(nodeValue(tree));
  if (parsed.success) return { campaign: parsed.data, problems, lineOf };
  schemaProblems(parsed.error.issues, tree, lineOf, log);
  return { campaign: null, problems: [...problems, ...log.problems()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), lineOf };
}

/**
 * Each schema issue at the line of its key. A misspelt key is both unknown
 * and, under its right name, missing: that is one problem, at the misspelt
 * key, with the name it was meant to be.
 */
function schemaProblems(zodIssues: readonly z.core.$ZodIssue[], tree: Node, lineOf: LineOf, log: ProblemLog): void {
  const issues = zodIssues.map((issue) => ({ issue, path: issue.path.map((key) => (typeof key === 'symbol' ? String(key) : key)) }));
  const isMissing = ({ issue, path }: (typeof issues)[number]) =>
    issue.code === 'invalid_type' && findNodeAtLocation(tree, [...path]) === undefined;
  /** The keys missing from each object, by its field. */
  const missingIn = new Map<string, string[]>();
  for (const entry of issues) {
    const key = entry.path.at(-1);
    if (!isMissing(entry) || typeof key !== 'string') continue;
    const parent = fieldOf(entry.path.slice(0, -1));
    missingIn.set(parent, [...(missingIn.get(parent) ?? []), key]);
  }
  const misspelt = new Set<string>();
  for (const { issue, path } of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    for (const key of issue.keys) {
      const meant = nearName(key, missingIn.get(fieldOf(path)) ?? []);
      if (meant !== undefined) misspelt.add(fieldOf([...path, meant]));
      const where = fieldOf(path) === '-' ? 'the file' : fieldOf(path);
      log.add(
        lineOf([...path, key]),
        fieldOf([...path, key]),
        `unknown key ${show(key)}; ${meant ? `did you mean '${meant}'?` : `${where} has no such setting`}`,
      );
    }
  }
  for (const entry of issues) {
    const { issue, path } = entry;
    if (issue.code === 'unrecognized_keys') continue;
    const missing = isMissing(entry);
    if (missing && misspelt.has(fieldOf(path))) continue;
    const reason = missing ? missingReason(issue.message, issue.code === 'invalid_type' ? issue.expected : '') : issue.message;
    log.add(lineOf(path), fieldOf(path), reason);
  }
}

/**
 * Where the mistake is, rather than where the parser noticed it: a missing
 * comma, or one too many before a closing bracket, is noticed at the next
 * token, often lines later; the person must edit the end of the value before.
 */
function blamedOffset(error: ParseError, text: string): number {
  const name = printParseErrorCode(error.error);
  const found = text.slice(error.offset, error.offset + error.length);
  const atNext =
    name === 'CommaExpected' || ((name === 'PropertyNameExpected' || name === 'ValueExpected') && (found === '}' || found === ']'));
  if (!atNext) return error.offset;
  let before = error.offset - 1;
  while (before > 0 && /\s/.test(text[before]!)) before--;
  return before;
}

/** A key the file lacks: zod's own words name only the type; ours (a date's form, say) are kept. */
function missingReason(message: string, expected: string): string {
  return message.startsWith('Invalid input') ? `is missing (expected ${expected})` : `is missing; it ${message}`;
}

/** The offset of a key (its name) or list entry (its value), or of the nearest enclosing one present. */
function offsetOf(root: Node, path: JsonPath): number {
  let node = root;
  let offset = root.offset;
  for (const key of path) {
    if (node.type === 'object' && typeof key === 'string') {
      // JSON keeps the last of a repeated key, and so does the schema check.
      const property = node.children?.findLast((p) => p.children?.[0]?.value === key);
      const value = property?.children?.[1];
      if (!property || !value) break;
      offset = property.offset;
      node = value;
    } else if (node.type === 'array' && typeof key === 'number') {
      const entry = node.children?.[key];
      if (!entry) break;
      offset = entry.offset;
      node = entry;
    } else break;
  }
  return offset;
}

/** The value of a tree as JSON.parse gives it: a repeated key's last value wins. */
function nodeValue(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, child] = property.children ?? [];
        if (key && child) value[String(key.value)] = nodeValue(child);
      }
      return value;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** A key written twice in one object: JSON keeps only the last, so the first is silently ignored. */
function repeatedKeys(node: Node, path: Array<string | number>, lines: LineIndex, file: string): DataProblem[] {
  const problems: DataProblem[] = [];
  if (node.type === 'object') {
    const firstLine = new Map<string, number>();
    for (const property of node.children ?? []) {
      const [key, child] = property.children ?? [];
      if (!key || !child) continue;
      const name = String(key.value);
      const line = lines.lineAt(property.offset);
      const first = firstLine.get(name);
      if (first === undefined) firstLine.set(name, line);
      else {
        problems.push({
          file,
          line,
          field: fieldOf([...path, name]),
          reason: `'${name}' is written twice (first on line ${first}); JSON keeps only this one: remove one`,
        });
      }
      problems.push(...repeatedKeys(child, [...path, name], lines, file));
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => {
      problems.push(...repeatedKeys(child, [...path, i], lines, file));
    });
  }
  return problems;
}

/** What went wrong, in words, with what was found there. */
function syntaxReason(error: ParseError | undefined, text: string): string {
  if (!error) return 'the file is empty';
  const found = error.length > 0 ? text.slice(error.offset, error.offset + Math.min(error.length, 20)) : '';
  const at = found === '' ? 'the end of the file' : show(found);
  const closing = found === '}' || found === ']';
  // ParseErrorCode is a const enum, which isolated modules cannot read: its names are.
  switch (printParseErrorCode(error.error)) {
    case 'PropertyNameExpected':
      return closing
        ? `a comma after the last entry, before ${at}: JSON allows none there`
        : `expected a key in double quotes, found ${at}`;
    case 'ValueExpected':
      return closing ? `a comma after the last entry, before ${at}: JSON allows none there` : `expected a value, found ${at}`;
    case 'ColonExpected':
      return `expected ':' after the key, found ${at}`;
    case 'CommaExpected':
      return `a comma is missing after this value, before ${at}`;
    case 'CloseBraceExpected':
      return `expected '}' to close an object, found ${at}`;
    case 'CloseBracketExpected':
      return `expected ']' to close a list, found ${at}`;
    case 'EndOfFileExpected':
      return `expected the end of the file after the closing '}', found ${at}`;
    case 'InvalidCommentToken':
      return 'JSON has no comments: remove it';
    case 'UnexpectedEndOfString':
      return 'a string is not closed with a double quote before the end of its line';
    case 'InvalidCharacter':
      return 'a string holds a control character (a tab or line break): write it as \\t or \\n';
    case 'InvalidEscapeCharacter':
      return `a backslash starts no escape JSON knows (${at}); write a backslash as \\\\`;
    default:
      return `${printParseErrorCode(error.error)
        .replace(/([a-z])([A-Z])/g, '$1 $2')
        .toLowerCase()} at ${at}`;
  }
}

/** Offsets to lines and columns as an editor counts them (from 1). */
class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  columnAt(offset: number): number {
    return offset - this.starts[this.lineAt(offset) - 1]! + 1;
  }
}
