/**
 * stack/node: one Valhalla node, the layers composed on a Runtime: Veil (secure sessions over
 * Bifrost frames) and the Yggdrasil DHT. The same class runs under the simulator and in the live
 * daemon; only the Runtime differs. It must never reach the OS: files, sockets and signals belong
 * to the process that hosts it (live/ or sim/).
 */

import { nodeIdToAddress } from '../identity/address.js';
import type { Identity } from '../identity/identity.js';
import type { Address, Runtime } from '../runtime.js';
import { Veil, type VeilInit } from '../veil/veil.js';
import { Dht } from '../yggdrasil/dht.js';
import type { DhtInit } from '../yggdrasil/options.js';

export interface ValhallaNodeComponents {
  runtime: Runtime;
  identity: Identity;
}

export interface ValhallaNodeInit {
  veil?: VeilInit;
  dht?: DhtInit;
}

export class ValhallaNode {
  readonly veil: Veil;
  readonly dht: Dht;
  private startedAtMs = Number.NaN;
  private listenAddrs: Address[] = [];

  constructor(
    private readonly components: ValhallaNodeComponents,
    init: ValhallaNodeInit = {},
  ) {
    this.veil = new Veil(components, init.veil);
    this.dht = new Dht(
      { runtime: components.runtime, identity: components.identity, veil: this.veil },
      init.dht,
    );
  }

  get identity(): Identity {
    return this.components.identity;
  }

  get nodeId(): string {
    return this.components.identity.nodeId.toString();
  }

  /** The node's overlay IPv6 address (fd00::/8 + the first 15 bytes of its NodeID). */
  get address(): string {
    return nodeIdToAddress(this.components.identity.nodeId);
  }

  get listen(): readonly Address[] {
    return this.listenAddrs;
  }

  get uptimeMs(): number {
    return this.components.runtime.clock.now() - this.startedAtMs;
  }

  /** Listen on the given addresses (port 0 picks one); resolves to the bound addresses. */
  async start(listen: Address[]): Promise<Address[]> {
    await this.veil.start();
    this.listenAddrs = await this.dht.start(listen);
    this.startedAtMs = this.components.runtime.clock.now();
    return this.listenAddrs;
  }

  /** Join through the given addresses. With none, the node waits for others to find it. */
  async bootstrap(addrs: Address[]) {
    return this.dht.bootstrap(addrs);
  }

  async stop(): Promise<void> {
    await this.dht.stop();
    await this.veil.stop();
  }
}
