import type { CommandSpec, Parsed } from './args.js';

/** Where a command writes: stdout for results (JSON with --json), stderr for human text. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars and colours only then. */
  readonly isTty: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  spec: CommandSpec;
  /** Resolves to the process exit code. Throws UsageError (exit 2) or CheckFailedError (exit 1). */
  run(parsed: Parsed, io: Io): Promise<number>;
}

/** Subcommands grouped under one word (`valhalla conformance noise-vectors`). */
export interface CommandGroup {
  name: string;
  summary: string;
  commands: Record<string, { summary: string; load: () => Promise<Command> }>;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTty: Boolean(process.stderr.isTTY),
  env: process.env,
};
