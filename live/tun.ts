/**
 * TUN devices on Linux, reached through koffi (FFI to libc: open, ioctl TUNSETIFF, read, write,
 * poll) and configured with `ip` (address, MTU, link up; the address's prefix route sends
 * fd00::/8 into the device).
 *
 * Packet I/O: the fd is non-blocking; reads run in a synchronous loop on the main thread (each
 * read a direct syscall, ~1 us) until the device is empty or BATCH packets were read. Only when
 * it is empty does one poll() wait on koffi's worker thread: one thread round trip per burst, not
 * per packet. VALHALLA_TUN_IO=uv watches the fd with a uv_poll handle on Node's own event loop
 * instead (libuv's functions are exported by the node binary and reached through koffi too): no
 * thread, but measured slower (conformance/spec/tun.md §7: the thread's round trip lets packets
 * gather into larger batches, so fewer mux messages and socket writes per byte).
 * Packets are read straight into slabs and handed out as views (no copy), with TUN_HEADROOM bytes
 * left before each; a slab is read over again from its start once the handler says it holds none
 * of them (TunHandler.released), else the next packets go to a fresh one. Writes are synchronous
 * write() calls.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { formatIpv6 } from '../stack/identity/address.js';
import {
  type Logger,
  TUN_HEADROOM,
  type TunConfig,
  type TunDevice,
  type TunHandler,
  type TunProvider,
  TunUnavailableError,
} from '../stack/runtime.js';

const TUNSETIFF = 0x400454ca; // _IOW('T', 202, int)
const IFF_TUN = 0x0001;
const IFF_NO_PI = 0x1000; // no 4-byte packet-information prefix: reads are bare IP packets
const O_RDWR = 0x2;
const O_NONBLOCK = 0x800;
const O_CLOEXEC = 0x80000;
const IFREQ_SIZE = 40; // bytes: name[16] + union (flags: short at offset 16)
const IFNAMSIZ = 16;
const POLLIN = 0x1;
const EAGAIN = 11;
const POLL_MS = 250; // an idle device re-checks whether it was closed this often
const SLAB_BYTES = 4 * 1024 * 1024;
const BATCH = 256; // packets per turn of the read loop before the event loop gets a turn
const REWIND_FROM_BYTES = 256 * 1024; // slab bytes used before asking whether it can be reused

const UV_POLL = 8; // uv_handle_type

/** libuv's poll watcher on Node's default loop. */
interface Uv {
  watch(fd: number, onReadable: () => void): { pause(): void; resume(): void; stop(): void };
}

let uv: Uv | null | undefined;

function loadUv(koffi: typeof import('koffi')): Uv | null {
  if (uv !== undefined) return uv;
  // The worker-thread poll is the default; VALHALLA_TUN_IO=uv selects libuv's poll (measured slower).
  if (process.env.VALHALLA_TUN_IO !== 'uv') {
    uv = null;
    return uv;
  }
  try {
    const self = koffi.load(null);
    const defaultLoop = self.func('void *uv_default_loop()');
    const handleSize = self.func('size_t uv_handle_size(int type)');
    const PollCb = koffi.proto('void valhalla_uv_poll_cb(void *handle, int status, int events)');
    const pollInit = self.func('int uv_poll_init(void *loop, void *handle, int fd)');
    const pollStart = self.func('int uv_poll_start(void *handle, int events, valhalla_uv_poll_cb *cb)');
    const pollStop = self.func('int uv_poll_stop(void *handle)');
    const close = self.func('void uv_close(void *handle, void *cb)');
    uv = {
      watch(fd, onReadable) {
        const handle = koffi.alloc('uint8_t', Number(handleSize(UV_POLL)));
        if (pollInit(defaultLoop(), handle, fd) !== 0) throw new Error('uv_poll_init failed');
        const cb = koffi.register(() => onReadable(), koffi.pointer(PollCb));
        if (pollStart(handle, POLLIN, cb) !== 0) throw new Error('uv_poll_start failed');
        return {
          pause() {
            pollStop(handle);
          },
          resume() {
            if (pollStart(handle, POLLIN, cb) !== 0) throw new Error('uv_poll_start failed');
          },
          stop() {
            pollStop(handle);
            close(handle, null); // the handle's 160 bytes stay allocated: libuv may touch them until closed
            koffi.unregister(cb);
          },
        };
      },
    };
  } catch {
    uv = null;
  }
  return uv;
}

interface Libc {
  open: (path: string, flags: number) => number;
  ioctl: (fd: number, req: number, arg: Uint8Array) => number;
  read: ((fd: number, buf: Uint8Array, n: number) => number) & {};
  write: (fd: number, buf: Uint8Array, n: number) => number;
  close: (fd: number) => number;
  poll: { async: (fds: Uint8Array, n: number, ms: number, cb: (err: unknown, r: number) => void) => void };
  errno: () => number;
  strerror: (e: number) => string;
  uv: Uv | null;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  let koffi: typeof import('koffi');
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch (err) {
    throw new TunUnavailableError(
      `the koffi package is missing (npm ci installs it): ${(err as Error).message}`,
    );
  }
  const lib = koffi.load('libc.so.6');
  const strerror = lib.func('const char *strerror(int errnum)');
  libc = {
    open: lib.func('int open(const char *path, int flags)'),
    ioctl: lib.func('int ioctl(int fd, unsigned long req, _Inout_ uint8_t *arg)'),
    read: lib.func('long read(int fd, _Out_ uint8_t *buf, unsigned long n)'),
    write: lib.func('long write(int fd, const uint8_t *buf, unsigned long n)'),
    close: lib.func('int close(int fd)'),
    poll: lib.func('int poll(_Inout_ uint8_t *fds, unsigned long n, int ms)'),
    errno: () => koffi.errno(),
    strerror: (e: number) => strerror(e) as string,
    uv: loadUv(koffi),
  };
  return libc;
}

function ip(args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    throw new TunUnavailableError(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

class LiveTun implements TunDevice {
  private handler: TunHandler | undefined;
  private closed = false;
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabAt = 0;
  private readonly pollfd = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
  private waiting = false;
  private watcher: { pause(): void; resume(): void; stop(): void } | undefined;
  private paused = false;

  constructor(
    private readonly c: Libc,
    private readonly fd: number,
    readonly name: string,
    readonly mtu: number,
    private readonly log: Logger,
  ) {
    const v = new DataView(this.pollfd.buffer);
    v.setInt32(0, fd, true);
    v.setInt16(4, POLLIN, true);
  }

  setHandler(handler: TunHandler): void {
    this.handler = handler;
    if (this.c.uv && !this.watcher) this.watcher = this.c.uv.watch(this.fd, () => this.readable());
    else if (!this.c.uv) this.pump();
  }

  /**
   * libuv calls this straight from its poll phase, outside Node's callback scope, so promise jobs
   * queued here (the Veil mux flushes in one) would wait for some later Node callback. So the
   * reading happens in a setImmediate of this same loop turn, which Node runs in its scope and
   * after which it drains microtasks: the packets leave at once.
   */
  private readable(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.drainNow);
  }

  private scheduled = false;
  private drainNow = (): void => {
    this.scheduled = false;
    this.drain();
  };

  setPaused(paused: boolean): void {
    if (paused === this.paused || this.closed) return;
    this.paused = paused;
    if (this.watcher) {
      if (paused) this.watcher.pause();
      else this.watcher.resume();
    } else if (!paused && this.handler) this.pump();
  }

  /** Read up to BATCH packets; true when the device is empty (or gone). */
  private drain(): boolean {
    if (this.closed) return true;
    // Every packet handed out so far was copied on or dropped: read over them rather than into
    // fresh memory (the slab's head stays warm, instead of 64 KiB per packet for the collector to
    // sweep). Asked only past REWIND_FROM_BYTES, so a trickle of small packets (ACKs) asks rarely.
    if (this.slabAt >= REWIND_FROM_BYTES && this.handler?.released?.()) this.slabAt = 0;
    const { c } = this;
    for (let i = 0; i < BATCH; i++) {
      if (this.paused) return true; // setPaused(false) starts reading again
      if (this.slab.length - this.slabAt < TUN_HEADROOM + this.mtu) {
        this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
        this.slabAt = 0;
      }
      const at = this.slabAt + TUN_HEADROOM;
      const n = c.read(this.fd, this.slab.subarray(at, at + this.mtu), this.mtu);
      if (n <= 0) {
        const e = c.errno();
        if (n < 0 && e !== EAGAIN) this.fail(new Error(`read from ${this.name}: ${c.strerror(e)}`));
        return true;
      }
      const packet = new Uint8Array(this.slab.buffer, this.slab.byteOffset + at, n);
      this.slabAt = (at + n + 7) & ~7; // the next packet's headroom starts 8-aligned
      try {
        this.handler?.onPacket(packet);
      } catch (err) {
        this.log.error('tun: packet handler threw', { error: String(err) });
      }
    }
    return false;
  }

  /** Without libuv's poll: drain, then let a poll() on koffi's worker thread say when to go on. */
  private pump = (): void => {
    if (this.closed || this.paused) return;
    if (!this.drain()) {
      setImmediate(this.pump);
      return;
    }
    if (this.waiting || this.closed) return;
    this.waiting = true;
    this.c.poll.async(this.pollfd, 1, POLL_MS, () => {
      this.waiting = false;
      this.pump(); // paused meanwhile: setPaused(false) pumps
    });
  };

  write(packet: Uint8Array): boolean {
    if (this.closed) return false;
    const n = this.c.write(this.fd, packet, packet.length);
    return n === packet.length;
  }

  private fail(err: Error): void {
    this.log.error('tun: device failed', { device: this.name, error: err.message });
    this.shut(err);
  }

  close(): void {
    this.shut(undefined);
  }

  private shut(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.watcher?.stop();
    this.c.close(this.fd); // a non-persistent device disappears with its last fd
    const h = this.handler;
    setImmediate(() => h?.onClose?.(err));
  }
}

export class LiveTunProvider implements TunProvider {
  constructor(private readonly log: Logger) {}

  async open(config: TunConfig): Promise<TunDevice> {
    if (process.platform !== 'linux')
      throw new TunUnavailableError(`TUN devices need Linux (this is ${process.platform})`);
    const name = config.name ?? 'valhalla%d';
    if (Buffer.byteLength(name) >= IFNAMSIZ)
      throw new TunUnavailableError(`interface name "${name}" is longer than 15 bytes`);
    const c = loadLibc();
    const fd = c.open('/dev/net/tun', O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
      const e = c.errno();
      throw new TunUnavailableError(
        `cannot open /dev/net/tun: ${c.strerror(e)} (is the tun module loaded? in a container, pass --device /dev/net/tun)`,
      );
    }
    const ifr = new Uint8Array(IFREQ_SIZE);
    ifr.set(Buffer.from(name), 0);
    new DataView(ifr.buffer).setInt16(IFNAMSIZ, IFF_TUN | IFF_NO_PI, true);
    if (c.ioctl(fd, TUNSETIFF, ifr) < 0) {
      const e = c.errno();
      c.close(fd);
      throw new TunUnavailableError(
        `cannot create TUN device "${name}": ${c.strerror(e)}` +
          (e === 1
            ? ' (needs root or CAP_NET_ADMIN: run as root, or `setcap cap_net_admin+ep "$(command -v node)"`)'
            : ''),
      );
    }
    const actual = Buffer.from(ifr.subarray(0, IFNAMSIZ)).toString('latin1').replace(/\0.*$/s, '');
    try {
      ip(['link', 'set', 'dev', actual, 'mtu', String(config.mtu), 'up']);
      // nodad: the address is ours by construction, so it is usable at once (no 1 s of DAD).
      ip([
        '-6',
        'addr',
        'add',
        `${formatIpv6(config.address)}/${config.prefixLength}`,
        'dev',
        actual,
        'nodad',
      ]);
    } catch (err) {
      c.close(fd);
      throw err;
    }
    this.log.info('tun: device up', {
      device: actual,
      mtu: config.mtu,
      address: formatIpv6(config.address),
      io: c.uv ? 'uv_poll on the event loop' : 'poll() on a worker thread',
    });
    return new LiveTun(c, fd, actual, config.mtu, this.log);
  }
}
