/** Where a command writes: stdout for results, stderr for progress and problems. */
export interface Print {
  out(line: string): void;
  err(line: string): void;
}

export const consolePrint: Print = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
