/**
 * `lambdock/testcontainers`: the lambdock image as a testcontainers-node module. A separate entry point, so
 * that users of the in-process harness (`lambdock`) never load testcontainers, an optional peer dependency.
 */
export { LAMBDOCK_IMAGE, LambdockContainer, StartedLambdockContainer } from './lambdock-container.js';
