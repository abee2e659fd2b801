import { liveHarness } from '../live/testing.js';
import { runtimeCompliance } from './runtime-compliance.js';

runtimeCompliance(liveHarness());
