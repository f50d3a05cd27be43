/**
 * lambdock as a library, for other people's tests: start it in-process (startHarness), deploy functions,
 * invoke them, stop it with nothing left behind. The lambdock image as a testcontainers module is
 * `lambdock/testcontainers` (src/testcontainers/index.ts).
 */
export { startHarness } from './main/harness/harness.js';
export type { FunctionSpec, HarnessInvocation, HarnessOptions, LambdockHarness } from './main/harness/harness.js';
export { zipFolder } from './main/harness/folder-zip.js';
