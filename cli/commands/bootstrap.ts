export { bootstrapCommand as command } from './node.js';
