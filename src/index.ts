/**
 * lambdock as a library, for other people's tests: start it in-process (startHarness), deploy functions,
 * invoke them, stop it with nothing left behind.
 */
export { startHarness } from './main/harness/harness.js';
export type { FunctionSpec, HarnessInvocation, HarnessOptions, LambdockHarness } from './main/harness/harness.js';
export { zipFolder } from './main/harness/folder-zip.js';
export { LAMBDOCK_IMAGE, LambdockContainer, StartedLambdockContainer } from './testcontainers/lambdock-container.js';
