import type { Command, CommandGroup } from './command.js';

/** Commands load lazily so `valhalla id` does not pay for the simulator's start-up. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: 'run a scenario file in the simulator and print a summary',
    load: async () => (await import('./commands/run.js')).command,
  },
  compare: {
    summary: 'run a scenario on the simulator and live, and write a side-by-side report',
    load: async () => (await import('./commands/compare.js')).command,
  },
  bench: {
    summary: 'run a benchmark (scheduler, crypto, ...) and print its figures',
    load: async () => (await import('./commands/bench.js')).command,
  },
  keygen: {
    summary: 'create an identity file (Ed25519 key, NodeID)',
    load: async () => (await import('./commands/keygen.js')).command,
  },
  id: {
    summary: "print an identity file's NodeID and overlay IPv6 address",
    load: async () => (await import('./commands/id.js')).command,
  },
  node: {
    summary: 'run a node: listen, join the DHT through bootstrap addresses, serve the admin socket',
    load: async () => (await import('./commands/node.js')).command,
  },
  bootstrap: {
    summary: 'run a seed node that others bootstrap from',
    load: async () => (await import('./commands/bootstrap.js')).command,
  },
  ctl: {
    summary: 'talk to a running node: self, peers, table, lookup, ping, put, get',
    load: async () => (await import('./commands/ctl.js')).command,
  },
};

export const GROUPS: Record<string, CommandGroup> = {
  conformance: {
    name: 'conformance',
    summary: 'run published test vectors through our implementation',
    commands: {
      'noise-vectors': {
        summary: 'run a Noise test-vector file (cacophony/snow JSON) through our Noise XX',
        load: async () => (await import('./commands/conformance-noise.js')).command,
      },
      'rune-vectors': {
        summary: 'run a Rune token vector file: valid ones verify, invalid ones get their named refusal',
        load: async () => (await import('./commands/conformance-rune.js')).command,
      },
      'realm-vectors': {
        summary:
          'run a Realm wire-format vector file: valid ones decode to their fields, invalid ones get their named error',
        load: async () => (await import('./commands/conformance-realm.js')).command,
      },
    },
  },
  veil: {
    name: 'veil',
    summary: 'Veil sessions over real TCP: a listener (echo/sink) and a dialer',
    commands: {
      listen: {
        summary: 'accept Veil sessions over TCP and echo or count what streams send',
        load: async () => (await import('./commands/veil-listen.js')).command,
      },
      dial: {
        summary: 'open a Veil session to a listener and exchange messages on N streams',
        load: async () => (await import('./commands/veil-dial.js')).command,
      },
    },
  },
  token: {
    name: 'token',
    summary: 'Rune capability tokens: issue, delegate, verify, inspect, revoke',
    commands: {
      issue: {
        summary: 'issue a capability token from this identity to an audience',
        load: async () => (await import('./commands/token-issue.js')).command,
      },
      delegate: {
        summary: 'extend a token you hold to another node, granting the same or less',
        load: async () => (await import('./commands/token-delegate.js')).command,
      },
      verify: {
        summary: 'check a token offline (exit 0 valid, 1 refused with the named error)',
        load: async () => (await import('./commands/token-verify.js')).command,
      },
      inspect: {
        summary: "show a token's chain: issuers, audiences, grants, validity",
        load: async () => (await import('./commands/token-inspect.js')).command,
      },
      revoke: {
        summary: 'sign a revocation of a link, as an issuer in the chain',
        load: async () => (await import('./commands/token-revoke.js')).command,
      },
    },
  },
};
