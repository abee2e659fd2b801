import { liveHarness } from '../live/testing.js';
import { simHarness } from '../sim/testing.js';
import { runtimeCompliance } from './runtime-compliance.js';

// The same cases against both implementations: the stack must not be able to tell them apart.
runtimeCompliance(liveHarness());
runtimeCompliance(simHarness());
