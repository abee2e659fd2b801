#!/usr/bin/env node
/**
 * The `valhalla` command. Parses argv at the edge into typed options and hands them to the
 * commands; the stack never sees argv or environment variables.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { helpText, parseCommand } from './args.js';
import { type Command, type CommandGroup, type Io, processIo } from './command.js';
import { CheckFailedError, EXIT_BUG, EXIT_CHECK_FAILED, EXIT_USAGE, UsageError } from './errors.js';
import { COMMANDS, GROUPS } from './registry.js';

function topHelp(): string {
  const lines = [
    'valhalla: an identity-addressed overlay network stack and the testbed to study it',
    '',
    'Usage: valhalla <command> [options]    (valhalla <command> --help for its options)',
    '',
    'Commands:',
  ];
  const rows: [string, string][] = [];
  for (const [name, entry] of Object.entries(COMMANDS)) rows.push([name, entry.summary]);
  for (const g of Object.values(GROUPS)) {
    for (const [sub, c] of Object.entries(g.commands)) rows.push([`${g.name} ${sub}`, c.summary]);
  }
  const width = Math.max(...rows.map(([n]) => n.length)) + 2;
  for (const [n, s] of rows) lines.push(`  ${n.padEnd(width)}${s}`);
  lines.push('', 'Exit codes: 0 success, 1 a scenario assertion or check failed, 2 bad input.');
  lines.push(
    'Environment: VALHALLA_CRYPTO=node|noble|auto forces a crypto backend (default auto: fastest correct).',
  );
  return `${lines.join('\n')}\n`;
}

async function resolve(argv: string[]): Promise<{ command: Command; rest: string[] } | undefined> {
  const [first, second, ...more] = argv;
  if (first === undefined) return undefined;
  const group: CommandGroup | undefined = GROUPS[first];
  if (group) {
    if (second === undefined || second === '--help' || second === '-h') {
      const subs = Object.keys(group.commands).join(', ');
      throw new UsageError(`'valhalla ${first}' needs a subcommand: one of ${subs}`);
    }
    const load = group.commands[second]?.load;
    if (!load) {
      const subs = Object.keys(group.commands).join(', ');
      throw new UsageError(`unknown subcommand '${first} ${second}': expected one of ${subs}`);
    }
    return { command: await load(), rest: more };
  }
  const entry = COMMANDS[first];
  if (!entry) {
    throw new UsageError(`unknown command '${first}'. Run 'valhalla --help' for the list of commands.`);
  }
  return { command: await entry.load(), rest: argv.slice(1) };
}

/** Environment settings, read here at the edge and handed to the stack as plain options. */
async function applyEnvironment(env: NodeJS.ProcessEnv): Promise<void> {
  const crypto = env.VALHALLA_CRYPTO;
  if (crypto === undefined || crypto === '') return;
  const { parseCryptoName, setDefaultCrypto, CryptoSelectError } = await import('../stack/crypto/index.js');
  try {
    setDefaultCrypto(parseCryptoName(crypto));
  } catch (err) {
    if (err instanceof CryptoSelectError) throw new UsageError(`VALHALLA_CRYPTO: ${err.message}`);
    throw err;
  }
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    (argv.length === 0 ? io.err : io.out)(topHelp());
    return argv.length === 0 ? EXIT_USAGE : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    const { VERSION } = await import('./version.js');
    io.out(`valhalla ${VERSION}\n`);
    return 0;
  }
  try {
    await applyEnvironment(io.env);
    const resolved = await resolve(argv);
    if (!resolved) return EXIT_USAGE;
    const { command, rest } = resolved;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(helpText(command.spec));
      return 0;
    }
    const parsed = parseCommand(command.spec, rest);
    return await command.run(parsed, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`valhalla: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CheckFailedError) {
      io.err(`valhalla: ${err.message}\n`);
      return EXIT_CHECK_FAILED;
    }
    io.err(`valhalla: internal error (a bug; please report it with the command you ran):\n`);
    io.err(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_BUG;
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

const isEntry = isEntryPoint();
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exitCode = EXIT_BUG;
    },
  );
}
