/**
 * Fault rules (turmoil style): each rule looks at one segment and answers pass, drop, or deliver
 * after an extra delay. Rules are consulted in the order added; the first answer that is not
 * 'pass' wins.
 *
 * What a verdict means on a reliable stream: the simulated network carries TCP-like connections,
 * so a dropped data or FIN segment is not lost to the application. It is retransmitted after a
 * retransmission timeout (rtoMs, doubling each time), and the rules are asked again about the
 * retransmission (with attempt + 1 and the later timeMs). Bytes are never lost or reordered; a
 * drop costs time, and a segment still dropped after stallResetMs of retries makes the connection
 * reset on both ends (TCP's user timeout). A dropped SYN is retried after synRetryMs (doubling),
 * until the dial's timeout.
 */

export type SegmentKind = 'syn' | 'data' | 'fin';

/** One segment as a rule sees it. The object is reused between calls: copy what you keep. */
export interface SimMessage {
  kind: SegmentKind;
  /** Sending and receiving node names and indexes. */
  from: string;
  to: string;
  fromIndex: number;
  toIndex: number;
  /** Payload bytes (0 for syn and fin). */
  sizeBytes: number;
  /** The payload for data segments; rules must not modify it. */
  data: Uint8Array | undefined;
  /** Virtual time of this transmission attempt, ms. */
  timeMs: number;
  /** 0 for the first transmission, n for the n-th retransmission. */
  attempt: number;
  /** Identifies the connection (0 for syn: there is none yet). */
  connectionId: number;
}

export type FaultVerdict = 'pass' | 'drop' | { delayMs: number };

export type FaultRule = (msg: SimMessage) => FaultVerdict;

/** Helper for the delay verdict. */
export function deliverAfter(delayMs: number): FaultVerdict {
  return { delayMs };
}

/** Fault codes, hashed into the trace. */
export const FAULT_DROP = 1; // a rule dropped a segment (it will be retransmitted)
export const FAULT_DELAY = 2; // a rule delayed a segment
export const FAULT_LOSS = 3; // random loss (NetworkOptions.loss)
export const FAULT_CUT = 4; // a partition held a segment or a SYN
export const FAULT_GIVE_UP = 5; // retransmissions exhausted: the connection will be reset

export function evaluateRules(rules: readonly FaultRule[], msg: SimMessage): FaultVerdict {
  for (let i = 0; i < rules.length; i++) {
    const v = rules[i](msg);
    if (v !== 'pass') return v;
  }
  return 'pass';
}

/** A rule that drops every segment between two named nodes (both directions) while active() holds. */
export function dropBetween(
  a: string,
  b: string,
  active: (timeMs: number) => boolean = () => true,
): FaultRule {
  return (m) =>
    ((m.from === a && m.to === b) || (m.from === b && m.to === a)) && active(m.timeMs) ? 'drop' : 'pass';
}
