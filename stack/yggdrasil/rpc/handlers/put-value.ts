/**
 * PUT_VALUE(record) -> PUT_VALUE_RESULT(status): verify the author's signature (the key is
 * derived from the record, so nobody can write under someone else's key), then store subject to
 * the rollback rule and the store limits. Anyone may replicate a valid record; the per-peer limit
 * counts records per author, whoever delivered them.
 */
import { InvalidRecordError } from '../../errors.js';
import { verifyValueRecord } from '../../records/value-record.js';
import { type PutValueMessage, type PutValueResultMessage, StoreStatus } from '../messages.js';
import type { HandlerContext } from './context.js';

export function handlePutValue(ctx: HandlerContext, req: PutValueMessage): PutValueResultMessage {
  const { metrics, clock } = ctx.runtime;
  try {
    verifyValueRecord(ctx.crypto, req.record);
  } catch (err) {
    if (!(err instanceof InvalidRecordError)) throw err;
    metrics.count('dht.rx.invalid_record');
    return { type: 'put-value-result', id: req.id, status: StoreStatus.INVALID };
  }
  const status = ctx.store.putValue(req.record, clock.wallNow());
  metrics.count(status === StoreStatus.OK ? 'dht.store.value_stored' : 'dht.store.value_refused');
  return { type: 'put-value-result', id: req.id, status };
}
