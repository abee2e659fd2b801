import { describe, expect, it } from 'vitest';
import { LiveLogger } from './logger.js';

const WALL_MS = Date.UTC(2030, 0, 2, 3, 4, 5, 678);

function capture(opts: ConstructorParameters<typeof LiveLogger>[0] = {}) {
  const lines: string[] = [];
  const log = new LiveLogger({ wallNow: () => WALL_MS, write: (line) => lines.push(line), ...opts });
  return { log, lines };
}

describe('LiveLogger', () => {
  it('writes JSON lines with t, level, msg and fields', () => {
    const { log, lines } = capture({ format: 'json' });
    log.info('peer connected', { peer: 'ab12', rttMs: 3.5 });
    expect(JSON.parse(lines[0])).toEqual({
      t: '2030-01-02T03:04:05.678Z',
      level: 'info',
      msg: 'peer connected',
      peer: 'ab12',
      rttMs: 3.5,
    });
  });

  it('writes readable text lines', () => {
    const { log, lines } = capture({ format: 'text' });
    log.warn('slow handshake', { peer: 'ab12', note: 'two words' });
    expect(lines).toEqual(['2030-01-02T03:04:05.678Z WARN  slow handshake peer=ab12 note="two words"']);
  });

  it('drops records below the threshold', () => {
    const { log, lines } = capture({ format: 'json', level: 'warn' });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it('child loggers add fields and share the sink and threshold', () => {
    const { log, lines } = capture({ format: 'json', level: 'info' });
    const child = log.child({ component: 'veil' }).child({ peer: 'p1' });
    child.debug('hidden');
    child.info('shown', { n: 1 });
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'shown', component: 'veil', peer: 'p1', n: 1 });
    expect(lines).toHaveLength(1);
  });

  it('serialises errors, bigints and byte arrays, and survives cycles', () => {
    const { log, lines } = capture({ format: 'json' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.error('boom', {
      err: new TypeError('bad'),
      big: 2n ** 70n,
      key: new Uint8Array([1, 255]),
      blob: new Uint8Array(100),
    });
    log.error('cycle', { cyclic });
    const first = JSON.parse(lines[0]);
    expect(first.err).toMatchObject({ name: 'TypeError', message: 'bad' });
    expect(first.big).toBe((2n ** 70n).toString());
    expect(first.key).toBe('01ff');
    expect(first.blob).toBe('<100 bytes>');
    expect(JSON.parse(lines[1])).toMatchObject({ msg: 'cycle', level: 'error' });
  });

  it('field names cannot overwrite t, level or msg', () => {
    const { log, lines } = capture({ format: 'json' });
    log.info('real', { msg: 'fake', level: 'error' });
    expect(JSON.parse(lines[0])).toMatchObject({ msg: 'real', level: 'info' });
  });
});
