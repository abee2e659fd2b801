/**
 * `valhalla node --tun`: a TUN device with the node's fd00::/8 address (the kernel routes all of
 * fd00::/8 into it) and the TUN service carrying its packets over the overlay. Without permission
 * the node says what is missing and runs on without TUN.
 */
import type { LiveLogger } from '../../live/logger.js';
import { nodeIdToAddressBytes } from '../../stack/identity/address.js';
import type { ValhallaNode } from '../../stack/node/index.js';
import { type Runtime, type TunDevice, TunUnavailableError } from '../../stack/runtime.js';
import { DEFAULT_MTU, TunService, tunPortOf } from '../../stack/tun/index.js';

export const TUN_FLAGS = {
  tun: {
    type: 'boolean',
    help: 'create a TUN device with the node address and route fd00::/8 through the overlay (Linux, root or CAP_NET_ADMIN)',
  },
  'tun-name': {
    type: 'string',
    arg: 'NAME',
    help: 'TUN interface name (default: valhalla0, valhalla1, ...)',
  },
  mtu: { type: 'string', arg: 'N', help: `TUN MTU, 1280..65535 (default ${DEFAULT_MTU})` },
} as const;

export interface TunHandle {
  device: TunDevice;
  service: TunService;
  stop(): void;
}

export async function startTun(
  node: ValhallaNode,
  runtime: Runtime,
  log: LiveLogger,
  opts: { name?: string; mtu: number },
): Promise<TunHandle | undefined> {
  if (!runtime.tun) {
    log.warn('TUN devices are not available in this runtime; running on without TUN');
    return undefined;
  }
  let device: TunDevice;
  try {
    device = await runtime.tun.open({
      name: opts.name,
      mtu: opts.mtu,
      address: nodeIdToAddressBytes(node.identity.nodeId),
      prefixLength: 8,
    });
  } catch (err) {
    if (!(err instanceof TunUnavailableError)) throw err;
    log.warn(`no TUN device: ${err.message}; running on without TUN`);
    return undefined;
  }
  const service = new TunService({ runtime, node: tunPortOf(node), device });
  service.start();
  log.info('tun: overlay up', { device: device.name, address: node.address, mtu: device.mtu });
  return {
    device,
    service,
    stop() {
      log.info('tun: stopping', { counts: Object.fromEntries(service.counts) });
      service.stop();
      device.close();
    },
  };
}
