import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../../crypto/select.js';
import { canonicalJson } from './canonical.js';
import { crdtMerge, crdtValue, decodeState, stateDigest } from './crdt.js';
import { crdtMap, mapRemove, mapUpdate, mapValue } from './crdt-map.js';
import { CrdtArgumentError, CrdtDecodeError } from './errors.js';
import { gcounter, gcounterInc, gcounterValue } from './g-counter.js';
import { lwwMerge, lwwRegister, lwwSet } from './lww-register.js';
import { orSet, orSetAdd, orSetMerge, orSetRemove, orSetValue } from './or-set.js';
import { pncounter, pncounterAdd, pncounterValue } from './pn-counter.js';

describe('CRDT semantics', () => {
  it('counters add up across replicas', () => {
    let a = gcounter();
    a = crdtMerge(a, gcounterInc(a, 'a', 3));
    let b = gcounter();
    b = crdtMerge(b, gcounterInc(b, 'b', 4));
    expect(gcounterValue(crdtMerge(a, b))).toBe(7);
    let p = pncounter();
    p = crdtMerge(p, pncounterAdd(p, 'a', 5));
    p = crdtMerge(p, pncounterAdd(p, 'a', -7));
    expect(pncounterValue(p)).toBe(-2);
    expect(() => gcounterInc(a, 'a', -1)).toThrow(CrdtArgumentError);
    expect(() => gcounterInc(a, 'bad id', 1)).toThrow(CrdtArgumentError);
  });

  it('LWW ties on the timestamp are broken by replica id, then value, the same way everywhere', () => {
    const x = lwwSet(lwwRegister(), 'a', 'from a', 100);
    const y = lwwSet(lwwRegister(), 'b', 'from b', 100);
    expect(lwwMerge(x, y).v).toBe('from b');
    expect(lwwMerge(y, x).v).toBe('from b');
    // A replica that has seen a later stamp still overwrites it, whatever its own clock says.
    const z = lwwSet(lwwMerge(x, y), 'a', 'later', 50);
    expect(lwwMerge(y, z).v).toBe('later');
  });

  it('OR-Set: a concurrent add wins over a remove; a remove of what was seen removes it', () => {
    let a = orSet();
    a = orSetMerge(a, orSetAdd(a, 'a', 'x'));
    let b = orSetMerge(orSet(), a);
    b = orSetMerge(b, orSetRemove(b, 'x')); // b removes the x it saw
    a = orSetMerge(a, orSetAdd(a, 'a', 'x')); // a re-adds concurrently
    expect(orSetValue(orSetMerge(a, b))).toEqual(['x']);
    let c = orSetMerge(a, b);
    c = orSetMerge(c, orSetRemove(c, 'x'));
    expect(orSetValue(orSetMerge(c, a))).toEqual([]);
  });

  it('map: nested CRDTs merge per key; a removed key is hidden until written again', () => {
    let m = crdtMap();
    m = crdtMerge(
      m,
      mapUpdate(m, 'a', 'hits', 'gcounter', (c) => gcounterInc(c, 'a', 2)),
    );
    let n = crdtMerge(crdtMap(), m);
    n = crdtMerge(
      n,
      mapUpdate(n, 'b', 'hits', 'gcounter', (c) => gcounterInc(c, 'b', 5)),
    );
    m = crdtMerge(
      m,
      mapUpdate(m, 'a', 'name', 'lww', (r) => lwwSet(r, 'a', 'valhalla', 1)),
    );
    expect(mapValue(crdtMerge(m, n))).toEqual({ hits: 7, name: 'valhalla' });
    const removed = crdtMerge(m, mapRemove(m, 'name'));
    expect(crdtValue(removed)).toEqual({ hits: 2 });
    expect(() => mapUpdate(m, 'a', 'hits', 'orset', (s) => s)).toThrow(CrdtArgumentError);
  });

  it('equal states have equal digests, different states different ones', () => {
    const crypto = defaultCrypto();
    const a = crdtMerge(gcounter(), gcounterInc(gcounter(), 'a', 1));
    const b = crdtMerge(gcounter(), gcounterInc(gcounter(), 'a', 1));
    expect(stateDigest(a, crypto)).toBe(stateDigest(b, crypto));
    expect(stateDigest(a, crypto)).not.toBe(stateDigest(gcounter(), crypto));
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 0 }] })).toBe('{"a":[2,{"c":0,"d":1}],"b":1}');
  });

  it('decodeState refuses malformed states with a named error', () => {
    const bad: unknown[] = [
      null,
      [],
      { t: 'nope' },
      { t: 'gcounter', c: { a: -1 } },
      { t: 'gcounter', c: { 'not a replica': 1 } },
      { t: 'pncounter', p: {}, n: { a: 1.5 } },
      { t: 'lww', v: 1, ts: 'x', r: 'a' },
      { t: 'orset', e: { x: ['a@1'] }, vv: {}, cloud: [] }, // key is not canonical JSON
      { t: 'orset', e: { '"x"': ['a@0'] }, vv: {}, cloud: [] },
      { t: 'map', keys: { t: 'gcounter', c: {} }, v: {} },
    ];
    let deep: unknown = { t: 'gcounter', c: {} };
    for (let i = 0; i < 12; i++)
      deep = { t: 'map', keys: { t: 'orset', e: {}, vv: {}, cloud: [] }, v: { k: deep } };
    bad.push(deep);
    for (const x of bad) expect(() => decodeState(x)).toThrow(CrdtDecodeError);
    const proto = JSON.parse('{"t":"gcounter","c":{"__proto__":1}}');
    // "__proto__" is an ordinary replica id here: no prototype is touched.
    expect(crdtValue(decodeState(proto))).toBe(1);
    expect(({} as Record<string, unknown>).t).toBeUndefined();
  });
});
