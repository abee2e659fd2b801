/**
 * ADD_PROVIDER(record) -> ADD_PROVIDER_RESULT(status): verify the provider's signature, then
 * store subject to the expiry rule (a later expiry replaces, an earlier one is stale) and limits.
 */
import { InvalidRecordError } from '../../errors.js';
import { verifyProviderRecord } from '../../records/provider-record.js';
import { type AddProviderMessage, type AddProviderResultMessage, StoreStatus } from '../messages.js';
import type { HandlerContext } from './context.js';

export function handleAddProvider(ctx: HandlerContext, req: AddProviderMessage): AddProviderResultMessage {
  const { metrics, clock } = ctx.runtime;
  try {
    verifyProviderRecord(ctx.crypto, req.record);
  } catch (err) {
    if (!(err instanceof InvalidRecordError)) throw err;
    metrics.count('dht.rx.invalid_record');
    return { type: 'add-provider-result', id: req.id, status: StoreStatus.INVALID };
  }
  const status = ctx.store.addProvider(req.record, clock.wallNow());
  metrics.count(status === StoreStatus.OK ? 'dht.store.provider_stored' : 'dht.store.provider_refused');
  return { type: 'add-provider-result', id: req.id, status };
}
