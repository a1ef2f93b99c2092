/**
 * Who is at the keyboard: every command that changes a delivery or a
 * campaign records `--by`, and defaults it to the operating-system user
 * where the command lets it default.
 */
import { userInfo } from 'node:os';
import { CliError } from '../domain/index.js';

/** `--by` checked (a name on one line, at most 100 characters), or the operating-system user when none was given. */
export function operatorName(by: string | undefined): string {
  const name = (by ?? currentUser()).trim();
  if (name === '' || name.length > 100 || /[\u0000-\u001f\u007f\u2028\u2029]/.test(name))
    throw new CliError('--by: give a name on one line, at most 100 characters', 1);
  return name;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): a change must still name someone.
    throw new CliError('cannot tell who you are; say who you are with --by NAME', 1);
  }
}
