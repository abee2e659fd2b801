/**
 * The TUN workloads of the live backend (scenario `stack: { tun: true }`, namespace mode): `ping6`
 * runs the system's `ping -6` from one node's namespace to another node's overlay address, and
 * `tcp-transfer` sends random bytes over TCP between two nodes' overlay addresses, checking
 * SHA-256 at the receiver. Both go through the nodes' TUN devices and the overlay (direct or
 * relayed), exactly as any program on those hosts would.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { Ping6Workload, TcpTransferWorkload } from '../../scenarios/types.js';
import { SimRng } from '../../sim/index.js';
import { nodeIdToAddress } from '../../stack/identity/address.js';
import { NodeId } from '../../stack/identity/node-id.js';
import { distribution } from './stats.js';

export interface TunWorld {
  readonly seed: number;
  readonly nodeIds: string[];
  execPrefix(i: number): string[];
  upNodes(): number[];
  now(): number;
  at(atMs: number, fn: () => Promise<void> | void): void;
  readonly durationMs: number;
}

const TRANSFER_PORT = 9400;
const TRANSFER_TIMEOUT_MS = 120_000;

function run(argv: string[], timeoutMs: number): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout) }),
    );
  });
}

export class TunWorkloads {
  readonly ping6 = { sent: 0, ok: 0, failed: 0, rtts: [] as number[] };
  readonly tcp = { started: 0, intact: 0, failed: 0, mbit: [] as number[] };
  private used = false;

  constructor(private readonly world: TunWorld) {}

  address(i: number): string {
    return nodeIdToAddress(NodeId.parse(this.world.nodeIds[i]!));
  }

  /** Two distinct up nodes, or undefined when fewer than two are up. */
  private pair(rng: SimRng): [number, number] | undefined {
    const up = this.world.upNodes();
    if (up.length < 2) return undefined;
    const i = rng.int(up.length);
    let j = rng.int(up.length - 1);
    if (j >= i) j++;
    return [up[i]!, up[j]!];
  }

  start(w: Ping6Workload | TcpTransferWorkload): void {
    this.used = true;
    const rng = new SimRng(`${this.world.seed}`).fork(`workload:${w.kind}:${w.startMs}`);
    if (w.kind === 'ping6') {
      for (let k = 0; k < w.count; k++)
        this.world.at(w.startMs + (w.overMs * k) / w.count, () => this.pingOnce(rng));
      return;
    }
    // Transfers one after another: each would take the whole path's bandwidth anyway.
    let chain = Promise.resolve();
    this.world.at(w.startMs, () => {
      for (let k = 0; k < w.count; k++) chain = chain.then(() => this.transferOnce(rng, w.bytes));
      return chain;
    });
  }

  private async pingOnce(rng: SimRng): Promise<void> {
    const p = this.pair(rng);
    if (!p) return;
    const [i, j] = p;
    this.ping6.sent++;
    const r = await run(
      [...this.world.execPrefix(i), 'ping', '-6', '-c', '1', '-W', '2', this.address(j)],
      10_000,
    );
    if (this.world.now() > this.world.durationMs) return;
    const m = /time=([\d.]+) ms/.exec(r.stdout);
    if (r.code === 0 && m) {
      this.ping6.ok++;
      this.ping6.rtts.push(Number(m[1]));
    } else this.ping6.failed++;
  }

  private async transferOnce(rng: SimRng, bytes: number): Promise<void> {
    const p = this.pair(rng);
    if (!p) return;
    const [i, j] = p;
    this.tcp.started++;
    const data = randomBytes(bytes);
    const want = createHash('sha256').update(data).digest('hex');
    const addr = this.address(j);
    const sink = spawn(
      this.world.execPrefix(j)[0]!,
      [
        ...this.world.execPrefix(j).slice(1),
        process.execPath,
        '-e',
        `const h=require('crypto').createHash('sha256');let n=0,t0=0;
         const s=require('net').createServer(c=>{c.on('data',d=>{if(!t0)t0=performance.now();h.update(d);n+=d.length});
         c.on('end',()=>{console.log('got',n,h.digest('hex'),performance.now()-t0);process.exit(0)})});
         s.listen(${TRANSFER_PORT},process.argv[1],()=>console.log('listening'));setTimeout(()=>process.exit(2),${TRANSFER_TIMEOUT_MS})`,
        addr,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    const lines = new Promise<string>((resolve) => {
      sink.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('got ')) resolve(out);
      });
      sink.once('exit', () => resolve(out));
    });
    await new Promise<void>((resolve) => {
      const check = (): void =>
        out.includes('listening') || sink.exitCode !== null ? resolve() : void setTimeout(check, 20);
      check();
    });
    const sender = spawn(
      this.world.execPrefix(i)[0]!,
      [
        ...this.world.execPrefix(i).slice(1),
        process.execPath,
        '-e',
        `const c=require('net').connect(${TRANSFER_PORT},process.argv[1],()=>{const b=[];process.stdin.on('data',d=>b.push(d));process.stdin.on('end',()=>c.end(Buffer.concat(b)))});
         c.on('error',()=>process.exit(1));c.on('close',()=>process.exit(0))`,
        addr,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    sender.stdin!.end(data);
    const text = await lines;
    sender.kill('SIGKILL');
    sink.kill('SIGKILL');
    const m = /got (\d+) ([0-9a-f]{64}) ([\d.]+)/.exec(text);
    if (m && Number(m[1]) === bytes && m[2] === want) {
      this.tcp.intact++;
      this.tcp.mbit.push((bytes * 8) / 1e6 / (Number(m[3]) / 1000));
    } else this.tcp.failed++;
  }

  metrics(): Record<string, number> {
    if (!this.used) return {};
    const p = this.ping6;
    const t = this.tcp;
    return {
      'ping6.sent': p.sent,
      'ping6.success_rate': p.ok + p.failed > 0 ? p.ok / (p.ok + p.failed) : Number.NaN,
      ...distribution('ping6.rtt_ms', p.rtts),
      'tcp.transfers': t.started,
      'tcp.intact_rate': t.started > 0 ? t.intact / t.started : Number.NaN,
      ...distribution('tcp.mbit', t.mbit),
    };
  }
}
