/**
 * In-memory TUN devices for the simulator and unit tests (the twin of live/tun.ts, as
 * wireguard-go's tun/tuntest is of its tun). The "host" side is the test: inject() plays a packet
 * the host sends into the device, and what the stack writes lands in written (and onWrite).
 * Deliveries go through the Runtime clock (delay 0), so they are ordered and deterministic.
 */
import {
  type Clock,
  TUN_HEADROOM,
  type TunConfig,
  type TunDevice,
  type TunHandler,
  type TunProvider,
  TunUnavailableError,
} from '../stack/runtime.js';

export class MemoryTun implements TunDevice {
  readonly written: Uint8Array[] = [];
  onWrite: ((packet: Uint8Array) => void) | undefined;
  private handler: TunHandler | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    readonly mtu: number,
    readonly address: Uint8Array,
    private readonly clock: Clock,
  ) {}

  setHandler(handler: TunHandler): void {
    this.handler = handler;
  }

  /** The host sends a packet into the device (copied, with headroom, as the live device does). */
  inject(packet: Uint8Array): void {
    if (packet.length > this.mtu)
      throw new RangeError(`packet of ${packet.length} bytes over MTU ${this.mtu}`);
    const buf = new Uint8Array(TUN_HEADROOM + packet.length);
    buf.set(packet, TUN_HEADROOM);
    const p = buf.subarray(TUN_HEADROOM);
    this.clock.setTimer(0, () => {
      this.queue.push(p);
      this.deliver();
    });
  }

  /** Packets the host sent that the service has not read (held while paused, as a kernel queue). */
  private queue: Uint8Array[] = [];
  private paused = false;
  /** Times the service paused reading. */
  pauses = 0;

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.pauses++;
    else this.clock.setTimer(0, () => this.deliver());
  }

  /** What the handler says of the packets it was given (TunHandler.released), for tests. */
  get released(): boolean | undefined {
    return this.handler?.released?.();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private deliver(): void {
    while (!this.paused && !this.closed && this.queue.length > 0) this.handler?.onPacket(this.queue.shift()!);
  }

  write(packet: Uint8Array): boolean {
    if (this.closed) return false;
    const copy = packet.slice();
    this.written.push(copy);
    this.onWrite?.(copy);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const h = this.handler;
    this.clock.setTimer(0, () => h?.onClose?.());
  }
}

export class MemoryTunProvider implements TunProvider {
  readonly devices: MemoryTun[] = [];

  constructor(private readonly clock: Clock) {}

  async open(config: TunConfig): Promise<TunDevice> {
    if (config.address.length !== 16) throw new TunUnavailableError('address: expected 16 bytes');
    if (config.mtu < 1280 || config.mtu > 65535)
      throw new TunUnavailableError(`MTU ${config.mtu} out of 1280..65535`);
    const dev = new MemoryTun(
      config.name ?? `mtun${this.devices.length}`,
      config.mtu,
      config.address,
      this.clock,
    );
    this.devices.push(dev);
    return dev;
  }
}
