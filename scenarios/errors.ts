/** A scenario file that cannot be run. The message names the file, line, field, expected and found. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly field: string,
    readonly expected: string,
    readonly found: string,
  ) {
    const where = line !== undefined ? `${file}:${line}` : file;
    super(`${where}: ${field}: expected ${expected}, found ${found}`);
  }
}
