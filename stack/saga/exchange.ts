/**
 * The asking side of one Saga stream: write WANT, half-close, read one answer per CID in order.
 * A stream on which nothing arrives for stallTimeoutMs is reset and the exchange fails with
 * StallError (a stalling provider must not hold a fetch forever); a reset, an early end or a
 * frame that does not answer what was asked fails with a named error. The caller verifies blocks.
 */
import type { CID } from 'multiformats/cid';
import type { Clock, Connection, Timer } from '../runtime.js';
import { SagaProtocolError, SagaRemoteError, StallError } from './errors.js';
import { decodeFrame, encodeWant, type Frame, FrameReader } from './wire.js';

export type Answer = { cid: CID; bytes: Uint8Array } | { cid: CID; missing: true };

export interface ExchangeOptions {
  clock: Clock;
  stallTimeoutMs: number;
  /** Called once, when the first byte of the answer arrives. */
  onFirstByte?: () => void;
}

export function exchange(stream: Connection, cids: readonly CID[], opts: ExchangeOptions): Promise<Answer[]> {
  return new Promise<Answer[]>((resolve, reject) => {
    const reader = new FrameReader();
    const answers: Answer[] = [];
    let timer: Timer | undefined;
    let done = false;
    let sawByte = false;
    const finish = (err?: Error): void => {
      if (done) return;
      done = true;
      timer?.cancel();
      if (err) {
        stream.close(err);
        reject(err);
      } else {
        stream.close();
        resolve(answers);
      }
    };
    const arm = (): void => {
      timer?.cancel();
      timer = opts.clock.setTimer(opts.stallTimeoutMs, () =>
        finish(new StallError(`no answer for ${opts.stallTimeoutMs} ms`)),
      );
    };
    const take = (f: Frame): void => {
      if (f.type === 'error')
        throw new SagaRemoteError(f.code, `provider refused: ${f.reason} (code ${f.code})`);
      if (f.type === 'want') throw new SagaProtocolError('unexpected WANT from the provider');
      const want = cids[answers.length];
      if (want === undefined) throw new SagaProtocolError('more answers than CIDs asked for');
      if (!f.cid.equals(want)) throw new SagaProtocolError(`answer for ${f.cid}, expected ${want}`);
      answers.push(f.type === 'block' ? { cid: f.cid, bytes: f.bytes } : { cid: f.cid, missing: true });
    };
    stream.setHandler({
      onData(chunk) {
        if (done) return;
        if (!sawByte) {
          sawByte = true;
          opts.onFirstByte?.();
        }
        arm();
        try {
          for (const body of reader.push(chunk)) take(decodeFrame(body));
        } catch (err) {
          finish(err as Error);
          return;
        }
        if (answers.length === cids.length) finish();
      },
      onEnd() {
        finish(new SagaProtocolError(`stream ended after ${answers.length} of ${cids.length} answers`));
      },
      onClose(err) {
        finish(
          err ?? new SagaProtocolError(`stream closed after ${answers.length} of ${cids.length} answers`),
        );
      },
    });
    arm();
    try {
      stream.write(encodeWant(cids));
      stream.end();
    } catch (err) {
      finish(err as Error);
    }
  });
}
