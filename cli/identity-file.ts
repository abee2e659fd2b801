/** Reading and writing identity files: the file I/O that stack/identity leaves to the edge. */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import {
  decodeIdentityFile,
  encodeIdentityFile,
  type Identity,
  IdentityFileError,
} from '../stack/identity/index.js';
import { UsageError } from './errors.js';

export function readIdentityFile(path: string): Identity {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ` (create one with: valhalla keygen --identity ${path})` : '';
    throw new UsageError(`cannot read identity file ${path}: ${code ?? String(err)}${hint}`);
  }
  try {
    return decodeIdentityFile(text);
  } catch (err) {
    if (err instanceof IdentityFileError) throw new UsageError(`${path}: ${err.message}`);
    throw err;
  }
}

/**
 * Write an identity with mode 0600. Refuses to replace an existing file unless force is set: an
 * identity is a node's name on the network, and overwriting one by accident loses it for good.
 */
export function writeIdentityFile(path: string, identity: Identity, force: boolean): void {
  if (!force && existsSync(path)) {
    throw new UsageError(
      `${path} already exists; refusing to overwrite an identity (use --force to replace it)`,
    );
  }
  // 'wx' makes the no-overwrite check atomic; with --force, 'w' truncates. Mode applies on create.
  let fd: number;
  try {
    fd = openSync(path, force ? 'w' : 'wx', 0o600);
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    writeSync(fd, encodeIdentityFile(identity));
  } finally {
    closeSync(fd);
  }
}
