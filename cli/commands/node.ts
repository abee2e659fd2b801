import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AdminServer, type ExtraAdminCommands } from '../../live/admin-server.js';
import { createLiveRuntime, MemoryMetrics } from '../../live/index.js';
import { LiveLogger, type LogFormat, type LogLevel } from '../../live/logger.js';
import { realmCommands, realmStreams, registerDaemonMethods } from '../../live/realm-admin.js';
import { LiveRng } from '../../live/rng.js';
import { ShimNetwork } from '../../live/shim.js';
import { generateIdentity, type Identity } from '../../stack/identity/index.js';
import { ValhallaNode } from '../../stack/node/index.js';
import { Realm } from '../../stack/realm/index.js';
import type { Runtime } from '../../stack/runtime.js';
import { DEFAULT_MTU } from '../../stack/tun/index.js';
import { type CommandSpec, intFlag, stringFlag } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { readIdentityFile, writeIdentityFile } from '../identity-file.js';
import { parseShimConfig, shimRules } from '../runner/live-shim.js';
import { CONTENT_FLAGS, startContent } from './node-content.js';
import { startTun, TUN_FLAGS } from './node-tun.js';

const REBOOTSTRAP_MS = 5_000; // while we have no peer, try the bootstrap addresses again this often
const MAINTAIN_MS = 2_000; // how often the daemon tends its peer list
const STALE_MS = 10_000; // a table entry not heard from this long is pinged

/**
 * Keep `ctl peers` current, as an operator expects from a daemon. Kademlia alone repairs its
 * table lazily (on lookups and hourly refreshes), which is right at scale but leaves a small
 * network showing dead peers for minutes and missing nodes that joined after us. So: while the
 * table holds fewer than k entries, look ourselves up (which finds newer neighbours), and ping
 * entries not heard from for STALE_MS (dead ones fail and leave the table). Both cost little in
 * a small network and nothing once the table is full and fresh.
 */
async function maintain(node: ValhallaNode, k: number, log: LiveLogger): Promise<void> {
  try {
    if (node.dht.table().size < k) await node.dht.lookup(node.nodeId);
    await node.dht.checkTable({ olderThanMs: STALE_MS });
  } catch (err) {
    log.debug('peer upkeep failed', { error: (err as Error).message });
  }
}

function spec(name: 'node' | 'bootstrap'): CommandSpec {
  const isBootstrap = name === 'bootstrap';
  return {
    name,
    summary: isBootstrap
      ? 'run a seed node that others bootstrap from (a node that bootstraps from no one)'
      : 'run a Valhalla node: listen, join the DHT through bootstrap addresses, serve the admin socket',
    usage: isBootstrap
      ? 'valhalla bootstrap --listen HOST:PORT [--identity FILE] [--admin SOCKET] [--data DIR]'
      : 'valhalla node --listen HOST:PORT --bootstrap HOST:PORT [--bootstrap ...] [--identity FILE] [--admin SOCKET] [--data DIR] [--tun [--tun-name NAME] [--mtu N]] [--store-limit SIZE] [--chunk-size SIZE]',
    flags: {
      listen: {
        type: 'string',
        multiple: true,
        arg: 'HOST:PORT',
        help: 'address to accept peers on (repeatable; port 0 picks one)',
      },
      ...(isBootstrap
        ? {}
        : {
            bootstrap: {
              type: 'string' as const,
              multiple: true,
              arg: 'HOST:PORT',
              help: 'a node to join through (repeatable)',
            },
          }),
      data: {
        type: 'string',
        arg: 'DIR',
        help: 'state directory (identity, admin socket)',
        default: '.valhalla',
      },
      identity: {
        type: 'string',
        arg: 'FILE',
        help: 'identity file, created if missing (default DIR/identity.json)',
      },
      admin: {
        type: 'string',
        arg: 'SOCKET',
        help: 'admin socket path for valhalla ctl (default DIR/admin.sock)',
      },
      announce: {
        type: 'string',
        multiple: true,
        arg: 'HOST:PORT',
        help: 'address peers should dial, if not the listen address',
      },
      ...TUN_FLAGS,
      ...CONTENT_FLAGS,
      k: { type: 'string', arg: 'N', help: 'bucket size and replication factor', default: '20' },
      alpha: { type: 'string', arg: 'N', help: 'parallel requests per lookup', default: '3' },
      'request-timeout': {
        type: 'string',
        arg: 'MS',
        help: "per-request timeout inside a lookup (default: the DHT's)",
      },
      upkeep: {
        type: 'string',
        arg: 'on|off',
        help: 'tend the peer list (self-lookups while the table is short, pings of stale entries); the scenario runner turns it off to match the simulator',
        default: 'on',
      },
      'log-level': { type: 'string', arg: 'LEVEL', help: 'debug, info, warn or error', default: 'info' },
      'log-format': {
        type: 'string',
        arg: 'FORMAT',
        help: 'text or json (default: text on a terminal, json otherwise)',
      },
    },
    details: isBootstrap
      ? 'Example: valhalla bootstrap --listen 127.0.0.1:9000 --data /tmp/seed'
      : 'Example: valhalla node --listen 127.0.0.1:9001 --bootstrap 127.0.0.1:9000 --data /tmp/n1\n' +
        'Then: valhalla ctl --admin /tmp/n1/admin.sock peers\nSIGINT or SIGTERM stops the node cleanly.',
  };
}

/** The daemon's own admin commands, beside the stack's: what a scenario runner drives. */
function liveCommands(node: ValhallaNode, shim: ShimNetwork, metrics: MemoryMetrics): ExtraAdminCommands {
  return {
    join: {
      summary: 'bootstrap through the given addresses now ({ addrs: ["HOST:PORT", ...] })',
      handler: async (args) => {
        const addrs = args.addrs;
        if (!Array.isArray(addrs) || addrs.length === 0 || !addrs.every((a) => typeof a === 'string'))
          throw new UsageError('join: expected args.addrs, a non-empty list of "HOST:PORT" strings');
        const r = await node.bootstrap(addrs as string[]);
        return { connected: r.connected, tableSize: r.tableSize };
      },
    },
    shim: {
      summary: 'set the transport shim (latency, jitter, loss, cuts) from a ShimConfig, or { off: true }',
      handler: async (args) => {
        if (args.off === true) {
          shim.setRules(undefined);
          return { enabled: false };
        }
        shim.setRules(shimRules(parseShimConfig(args.config)));
        return { enabled: true };
      },
    },
    metrics: {
      summary: "the node's counters, gauges and histogram summaries",
      handler: async () => ({ ...metrics.snapshot() }),
    },
  };
}

function loadOrCreateIdentity(file: string, log: LiveLogger): Identity {
  if (existsSync(file)) return readIdentityFile(file);
  const identity = generateIdentity(new LiveRng());
  writeIdentityFile(file, identity, false);
  log.info('created a new identity', { file, nodeId: identity.nodeId.toString() });
  return identity;
}

function choice<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`--${flag}: expected one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

function makeCommand(name: 'node' | 'bootstrap'): Command {
  const s = spec(name);
  return {
    spec: s,
    async run(parsed, io) {
      const listen = (parsed.values.listen as string[] | undefined) ?? [];
      if (listen.length === 0) throw new UsageError(`missing --listen HOST:PORT\nUsage: ${s.usage}`);
      const bootstrap = (parsed.values.bootstrap as string[] | undefined) ?? [];
      const dataDir = stringFlag(parsed, 'data')!;
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const level = choice<LogLevel>(
        stringFlag(parsed, 'log-level'),
        ['debug', 'info', 'warn', 'error'],
        'log-level',
      );
      const format = choice<LogFormat>(stringFlag(parsed, 'log-format'), ['text', 'json'], 'log-format');
      const log = new LiveLogger({ level, format, write: (line) => io.err(`${line}\n`) });
      const identity = loadOrCreateIdentity(
        stringFlag(parsed, 'identity') ?? join(dataDir, 'identity.json'),
        log,
      );
      const metrics = new MemoryMetrics();
      const live = createLiveRuntime({ logger: log, metrics });
      // The stack dials through the shim; it adds nothing until the `shim` admin command sets rules.
      const shim = new ShimNetwork(live.net);
      const runtime: Runtime = { ...live, net: shim };
      const announce = parsed.values.announce as string[] | undefined;
      const k = intFlag(parsed, 'k', { min: 1, max: 256 })!;
      const node = new ValhallaNode(
        { runtime, identity },
        {
          veil: announce ? { announceAddrs: announce } : {},
          dht: {
            k,
            alpha: intFlag(parsed, 'alpha', { min: 1, max: 64 }),
            requestTimeoutMs: intFlag(parsed, 'request-timeout', { min: 1, max: 600_000 }),
            ...(announce ? { announceAddrs: announce } : {}),
          },
        },
      );
      const bound = await node.start(listen);
      const tun = parsed.values.tun
        ? await startTun(node, runtime, log, {
            name: stringFlag(parsed, 'tun-name'),
            mtu: intFlag(parsed, 'mtu', { min: 1280, max: 65535 }) ?? DEFAULT_MTU,
          })
        : undefined;
      const content = startContent(node, runtime, dataDir, parsed);
      const realm = new Realm({ runtime, identity, node, dht: node.dht });
      realm.start();
      registerDaemonMethods(realm, node.nodeId, () => runtime.clock.wallNow());
      const admin = new AdminServer(
        node,
        stringFlag(parsed, 'admin') ?? join(dataDir, 'admin.sock'),
        { ...liveCommands(node, shim, metrics), ...content.commands, ...realmCommands(realm) },
        realmStreams(realm),
      );
      await admin.start();
      log.info('listening', { nodeId: node.nodeId, address: node.address, listen: bound, admin: admin.path });

      let stopping = false;
      const tryJoin = async (): Promise<void> => {
        if (stopping || bootstrap.length === 0 || node.dht.peers().length > 0) return;
        const r = await node.bootstrap(bootstrap).catch((err: Error) => {
          log.warn('bootstrap failed', { error: err.message });
          return undefined;
        });
        if (r && r.connected > 0) log.info('joined', { connected: r.connected, tableSize: r.tableSize });
        else
          log.warn('could not reach any bootstrap address; retrying', { bootstrap, retryMs: REBOOTSTRAP_MS });
      };
      if (bootstrap.length === 0) log.info('nothing to bootstrap from: waiting for other nodes to connect');
      await tryJoin();
      const retry = setInterval(() => void tryJoin(), REBOOTSTRAP_MS);
      const upkeepOn = choice(stringFlag(parsed, 'upkeep'), ['on', 'off'], 'upkeep') === 'on';
      const upkeep = upkeepOn ? setInterval(() => void maintain(node, k, log), MAINTAIN_MS) : undefined;

      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          log.info('stopping', { signal });
          clearInterval(retry);
          clearInterval(upkeep);
          resolve();
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
      tun?.stop();
      await admin.stop();
      content.saga.stop();
      realm.stop();
      await node.stop();
      await live.shutdown();
      log.info('stopped');
      return 0;
    },
  };
}

export const command = makeCommand('node');
export const bootstrapCommand = makeCommand('bootstrap');
