// Run once while the Node.js runtime images are built (see ../Dockerfile), on the AWS SDK they carry in
// /var/runtime/node_modules.
//
// The SDK's SQS client sends a queue's requests to the host named in its QueueUrl, not to the endpoint it
// was configured with, unless `useQueueUrlAsEndpoint: false` is set. On AWS both are the same host. Under
// lambdock they are not: a queue URL the caller got on the host names the address the host reached
// (http://127.0.0.1:9000/…), which a sandbox cannot reach, while AWS_ENDPOINT_URL names lambdock's endpoint
// for sandboxes. So in this SDK, when an endpoint is configured through the environment (as lambdock does
// in every sandbox, or the function does itself), the default becomes the endpoint; a client that sets
// `useQueueUrlAsEndpoint` explicitly keeps its choice. lambdock's queue finds a queue by the URL's path.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const DEFAULT = 'useQueueUrlAsEndpoint: config.useQueueUrlAsEndpoint ?? true';
const PATCHED =
  'useQueueUrlAsEndpoint: config.useQueueUrlAsEndpoint ?? ' +
  '!((process.env.AWS_ENDPOINT_URL_SQS || process.env.AWS_ENDPOINT_URL) && process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== "true")';

const root = path.join(process.argv[2] ?? '/var/runtime/node_modules', '@aws-sdk', 'middleware-sdk-sqs');
for (const file of ['dist-cjs/index.js', 'dist-es/queue-url.js']) {
  const target = path.join(root, file);
  const source = readFileSync(target, 'utf8');
  // A newer SDK that words this differently fails the image build here, rather than being left unpatched.
  if (source.split(DEFAULT).length !== 2) {
    console.error(`${target}: expected exactly one "${DEFAULT}"`);
    process.exit(1);
  }
  writeFileSync(target, source.replace(DEFAULT, PATCHED));
}
