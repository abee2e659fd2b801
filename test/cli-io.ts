import type { Io } from '../cli/command.js';

/** An Io that records what a command printed, for in-process CLI tests. */
export function captureIo(env: NodeJS.ProcessEnv = {}): { io: Io; stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    io: { out: (t) => (out += t), err: (t) => (err += t), isTty: false, env },
    stdout: () => out,
    stderr: () => err,
  };
}
