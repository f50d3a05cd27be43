// lambdock's stem-cell shim for the Node.js runtimes. A stem cell is a runtime container started before
// any function is known (generic environment, empty /var/task): the bootstrap runs this module instead
// of index.mjs (see stem-wrapper), with the heap flags of the container's memory class. It loads the
// runtime's modules, tells lambdock it is parked (a marker line on its output, which lambdock drops), and
// blocks on the claim pipe. A claim is one line of JSON, {"env": {...}}: the function's environment
// replaces the stem cell's, and the runtime's index.mjs runs in this same process, its code already in
// /var/task. Node's own start-up is then behind it: that is the stem cell's saving.
//
// lambdock delivers this file into the sandbox's output folder (/var/lambdock): it is no part of the
// image (nor of its build context), and needs nothing of it but /var/runtime.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtimeDir = process.env.LAMBDA_RUNTIME_DIR ?? '/var/runtime';
const CLAIM = path.join(here, 'claim');
const PARKED_MARKER = '\0lambdock-stem-cell-parked\n';

// Modules of the runtime with no effect when loaded: their parse and compile is done before the claim.
const PRELOAD = ['errors.mjs', 'invoke-context.mjs', 'log-patch.mjs', 'response-stream.mjs', 'runtime.mjs', 'runtime-api-client.mjs', 'user-function.mjs'];
const [, , , , , client, userFunction] = await Promise.all(PRELOAD.map((name) => import(path.join(runtimeDir, name)).catch(() => undefined)));

/**
 * Runs the runtime's HTTP client through a few next → response rounds against a stand-in Runtime API on
 * this container's loopback: V8 compiles functions on their first call, and the first requests of a
 * fresh process are several times slower than later ones. Nothing of it outlives the warm-up.
 */
async function warmUp(RuntimeApiClient) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') res.writeHead(200, { 'lambda-runtime-aws-request-id': 'warm-up', 'content-type': 'application/json' }).end('{}');
      else res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const api = new RuntimeApiClient(`127.0.0.1:${server.address().port}`);
    for (let round = 0; round < 5; round += 1) {
      const event = await api.next();
      JSON.parse(event.body.toString('utf8'));
      await api.postResponse('warm-up', JSON.stringify({ round }));
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
if (client?.RuntimeApiClient !== undefined) await warmUp(client.RuntimeApiClient).catch(() => undefined);
// The handler loader's first use too, on a one-line module lambdock put beside this file (the claimed
// function's own module is a different one: nothing of this is seen by it).
if (userFunction?.loadHandler !== undefined) await userFunction.loadHandler(here, 'stem-warm.handler').then((handler) => handler()).catch(() => undefined);

/** Blocks until lambdock writes the claim (it holds the pipe open for writing, so the open never waits). */
function readClaim() {
  const fd = openSync(CLAIM, 'r');
  const chunks = [];
  const buffer = Buffer.allocUnsafe(64 * 1024);
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      // lambdock closed the pipe: the stem cell is being removed.
      if (n === 0) process.exit(0);
      const chunk = Buffer.from(buffer.subarray(0, n));
      chunks.push(chunk);
      if (chunk.includes(10)) return JSON.parse(Buffer.concat(chunks).toString('utf8'));
    }
  } finally {
    closeSync(fd);
  }
}

writeSync(1, PARKED_MARKER);
const claim = readClaim();
for (const name of Object.keys(process.env)) if (!Object.hasOwn(claim.env, name)) delete process.env[name];
Object.assign(process.env, claim.env);
const index = path.join(runtimeDir, 'index.mjs');
process.argv[1] = index;
await import(index);
