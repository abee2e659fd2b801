/**
 * The admin socket: a Unix domain socket where `valhalla ctl` (or a scenario driver) sends one
 * JSON request per line and reads one JSON response per line. Requests on one connection are
 * answered in order. Malformed lines get an error response; they never stop the node.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { type AdminRequest, type AdminResponse, dispatch } from '../stack/admin/index.js';
import type { ValhallaNode } from '../stack/node/index.js';

const MAX_LINE_BYTES = 1 << 20; // a request longer than this is refused and the connection closed

/** Another process already serves this socket path. */
export class AdminSocketInUseError extends Error {
  override name = 'AdminSocketInUseError';
}

async function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/**
 * Commands only a live daemon has (its shim, its metrics, a join on request), served beside the
 * stack's own. A handler that throws is answered as { ok: false, error } like the stack's.
 */
export type ExtraAdminCommands = Record<
  string,
  { summary: string; handler: (args: Record<string, unknown>) => Promise<Record<string, unknown>> }
>;

/**
 * Commands that answer once and then keep the connection for events (e.g. `subscribe`): the
 * handler returns the first response and a close function, and emits one JSON line per event
 * until the client closes the connection (then close() is called).
 */
export type StreamAdminCommands = Record<
  string,
  {
    summary: string;
    handler: (
      args: Record<string, unknown>,
      emit: (event: Record<string, unknown>) => void,
    ) => Promise<{ result: Record<string, unknown>; close: () => void }>;
  }
>;

async function runExtra(
  handler: ExtraAdminCommands[string]['handler'],
  args: Record<string, unknown>,
): Promise<AdminResponse> {
  try {
    return { ok: true, result: await handler(args) };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, error: { name: e.name, message: e.message } };
  }
}

export class AdminServer {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly node: ValhallaNode,
    readonly path: string,
    private readonly extra: ExtraAdminCommands = {},
    private readonly streams: StreamAdminCommands = {},
  ) {}

  /** Listen on the path; a stale socket file from a dead process is replaced, a live one refused. */
  async start(): Promise<void> {
    if (existsSync(this.path)) {
      if (await socketIsLive(this.path)) {
        throw new AdminSocketInUseError(
          `${this.path} is served by another running node; choose another --admin path`,
        );
      }
      unlinkSync(this.path);
    }
    const server = createServer((sock) => this.serve(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private serve(sock: Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buffered = '';
    let chain = Promise.resolve();
    sock.setEncoding('utf8');
    sock.on('data', (text: string) => {
      buffered += text;
      if (buffered.length > MAX_LINE_BYTES) {
        sock.end(
          `${JSON.stringify({ ok: false, error: { name: 'AdminRequestError', message: 'request too long' } })}\n`,
        );
        return;
      }
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line !== '') chain = chain.then(() => this.answer(sock, line));
        nl = buffered.indexOf('\n');
      }
    });
  }

  private async answer(sock: Socket, line: string): Promise<void> {
    let response: AdminResponse;
    let id: unknown;
    try {
      const req = JSON.parse(line) as AdminRequest & { id?: unknown };
      id = req.id;
      if (typeof req?.cmd === 'string' && Object.hasOwn(this.streams, req.cmd)) {
        await this.stream(sock, this.streams[req.cmd]!.handler, req.args ?? {});
        return;
      }
      const extra =
        typeof req?.cmd === 'string' && Object.hasOwn(this.extra, req.cmd) ? this.extra[req.cmd] : undefined;
      response = extra ? await runExtra(extra.handler, req.args ?? {}) : await dispatch(this.node, req);
    } catch (err) {
      response = {
        ok: false,
        error: { name: 'AdminRequestError', message: `not a JSON request: ${(err as Error).message}` },
      };
    }
    if (!sock.destroyed) sock.write(`${JSON.stringify(id === undefined ? response : { id, ...response })}\n`);
  }

  /** Answer a streaming command, then write its events until the client goes away. */
  private async stream(
    sock: Socket,
    handler: StreamAdminCommands[string]['handler'],
    args: Record<string, unknown>,
  ): Promise<void> {
    const emit = (event: Record<string, unknown>): void => {
      if (!sock.destroyed) sock.write(`${JSON.stringify({ event })}\n`);
    };
    let opened: Awaited<ReturnType<typeof handler>>;
    try {
      opened = await handler(args, emit);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      if (!sock.destroyed)
        sock.write(`${JSON.stringify({ ok: false, error: { name: e.name, message: e.message } })}\n`);
      return;
    }
    if (sock.destroyed) {
      opened.close();
      return;
    }
    sock.write(`${JSON.stringify({ ok: true, result: opened.result })}\n`);
    sock.once('close', () => opened.close());
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (existsSync(this.path)) unlinkSync(this.path);
  }
}
