/**
 * `valhalla veil listen`: a long-running Veil endpoint on real TCP. It accepts connections,
 * completes the Noise XX handshake with identity binding, and serves every stream a peer opens
 * with echo or sink (veil-common.ts). One line on stdout says where it listens; SIGINT/SIGTERM
 * stop it cleanly (sessions closed, sockets released) and it exits 0.
 */

import { nodeIdToAddress } from '../../stack/identity/index.js';
import { AddressInUseError, type Connection } from '../../stack/runtime.js';
import { Veil } from '../../stack/veil/veil.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import {
  addressArg,
  commandRuntime,
  identityFromFlags,
  SINK_COUNT_SIZE,
  serveEcho,
  serveSink,
  untilSignal,
} from './veil-common.js';

const USAGE = 'valhalla veil listen --listen HOST:PORT [--identity FILE] [--echo | --sink] [--json]';

export const command: Command = {
  spec: {
    name: 'veil listen',
    summary: 'accept Veil sessions over TCP and serve their streams (echo or sink) until SIGINT/SIGTERM',
    usage: USAGE,
    flags: {
      listen: { type: 'string', arg: 'HOST:PORT', help: 'TCP address to listen on (port 0: any free port)' },
      identity: {
        type: 'string',
        arg: 'FILE',
        help: 'identity file (valhalla keygen); without it an ephemeral identity is made',
      },
      echo: { type: 'boolean', help: 'write every byte of each stream back to it (the default)' },
      sink: {
        type: 'boolean',
        help: `count each stream's bytes and answer its end with the count (${SINK_COUNT_SIZE} bytes, big-endian)`,
      },
      json: { type: 'boolean', help: 'print {"nodeId","address","listen"} on stdout once listening' },
      verbose: { type: 'boolean', help: 'log each session and stream event on stderr' },
    },
    details: [
      'Prints one line on stdout once the socket is bound, so a script can wait for it and read',
      'the port chosen for port 0. Handshake failures (a wrong peer, garbage, a timeout) close that',
      'connection only; the listener keeps serving.',
      '',
      'Examples:',
      '  valhalla keygen --identity a.key',
      '  valhalla veil listen --listen 127.0.0.1:7000 --identity a.key',
      '  valhalla veil listen --listen 127.0.0.1:0 --echo --json',
      '  valhalla veil listen --listen [::1]:7001 --sink       # for throughput measurements',
    ].join('\n'),
  },
  async run(parsed, io) {
    const listenAddr = addressArg(requireString(parsed, 'listen', this.spec), '--listen', USAGE);
    if (parsed.values.echo === true && parsed.values.sink === true) {
      throw new UsageError('--echo and --sink exclude each other: a listener serves one mode');
    }
    const mode = parsed.values.sink === true ? 'sink' : 'echo';
    const serve: (stream: Connection) => void = mode === 'sink' ? serveSink : serveEcho;
    const { identity, ephemeral } = identityFromFlags(parsed, io);
    const runtime = commandRuntime(parsed.values.verbose === true);
    const log = runtime.log.child({ component: 'veil-listen' });
    const veil = new Veil({ runtime, identity });
    // Installed before the socket is bound, so a signal at any point after the line below is seen.
    const signal = untilSignal();
    try {
      await veil.start();
      let listener: Awaited<ReturnType<Veil['listen']>>;
      try {
        listener = await veil.listen(listenAddr, (session) => {
          log.debug('session', { peer: session.remoteNodeId.toString(), remote: session.remoteAddr });
          session.onStream = serve;
        });
      } catch (err) {
        if (err instanceof AddressInUseError) throw new UsageError(`--listen ${listenAddr}: ${err.message}`);
        throw err;
      }
      const nodeId = identity.nodeId.toString();
      const address = nodeIdToAddress(identity.nodeId);
      if (parsed.values.json) {
        io.out(`${JSON.stringify({ nodeId, address, listen: listener.addr, mode, ephemeral })}\n`);
      } else {
        io.out(`listening on ${listener.addr} (${mode}) as ${nodeId} (${address})\n`);
      }
      const got = await signal.done;
      log.debug('stopping', { signal: got, sessions: veil.sessionCount });
      return 0;
    } finally {
      signal.cancel();
      await veil.stop();
      await runtime.shutdown();
    }
  },
};
