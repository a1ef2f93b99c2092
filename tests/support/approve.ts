/**
 * `run` and `schedule` send only approved data: tests approve their data set
 * first, exactly as an operator would after previewing it.
 */

import { approveCommand } from '../../src/cli/commands/approve.js';
import type { Config } from '../../src/config.js';
import type { Approval } from '../../src/domain/index.js';
import { quietPrint } from './harness.js';

/** Approves the data directory (and the templates, default the package's) under the config's QUEUE_PREFIX. */
export function approve(
  config: Config,
  data: string,
  options: { by?: string; templatesDir?: string; skipInvalid?: boolean } = {},
): Promise<Approval> {
  return approveCommand(
    { data, by: options.by ?? 'test', templatesDir: options.templatesDir, skipInvalid: options.skipInvalid },
    config,
    quietPrint,
  );
}
