import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeZip } from '../helpers/zip.js';
import { startTestLambdock, type TestLambdock } from '../helpers/test-lambdock.js';

let t: TestLambdock;

beforeAll(async () => {
  t = await startTestLambdock();
});
afterAll(async () => {
  await t?.close();
});

// AWS's tutorial "Building a custom runtime", unchanged: a bash + curl bootstrap and a handler script.
const TUTORIAL_BOOTSTRAP = `#!/bin/sh

set -euo pipefail

# Initialization - load function handler
source $LAMBDA_TASK_ROOT/"$(echo $_HANDLER | cut -d. -f1).sh"

# Processing
while true
do
  HEADERS="$(mktemp)"
  # Get an event. The HTTP request will block until one is received
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/next")

  # Extract request ID by scraping response headers received above
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)

  # Run the handler function from the script
  RESPONSE=$($(echo "$_HANDLER" | cut -d. -f2) "$EVENT_DATA")

  # Send the response
  curl "http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation/$REQUEST_ID/response"  -d "$RESPONSE"
done
`;

const TUTORIAL_FUNCTION = `function handler () {
  EVENT_DATA=$1
  echo "$EVENT_DATA" 1>&2;
  RESPONSE="Echoing request: '$EVENT_DATA'"

  echo $RESPONSE
}
`;

describe('custom runtime (provided.al2023) with the bash + curl bootstrap from AWS tutorial', () => {
  it('runs unchanged, warm, and logs what the handler prints', async () => {
    const zip = await makeZip({
      bootstrap: { content: TUTORIAL_BOOTSTRAP, mode: 0o755 },
      'function.sh': { content: TUTORIAL_FUNCTION, mode: 0o755 },
    });
    await t.createFunction({ FunctionName: 'bash-runtime', Runtime: 'provided.al2023', Handler: 'function.handler', Code: { ZipFile: zip } });
    const first = await t.invoke({ FunctionName: 'bash-runtime', Payload: Buffer.from('{"text":"Hello"}'), LogType: 'Tail' });
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.body).toBe(`Echoing request: '{"text":"Hello"}'`);
    expect(first.logs).toContain('{"text":"Hello"}');
    expect(first.logs).toMatch(/Init Duration/);
    const second = await t.invoke({ FunctionName: 'bash-runtime', Payload: Buffer.from('{"text":"again"}'), LogType: 'Tail' });
    expect(second.body).toBe(`Echoing request: '{"text":"again"}'`);
    expect(second.logs).not.toMatch(/Init Duration/);
    expect(await t.containersOf('bash-runtime')).toHaveLength(1);
  });

  it('also runs as provided.al2, and reports a missing bootstrap as an error', async () => {
    const zip = await makeZip({
      bootstrap: { content: TUTORIAL_BOOTSTRAP, mode: 0o755 },
      'function.sh': { content: TUTORIAL_FUNCTION, mode: 0o755 },
    });
    await t.createFunction({ FunctionName: 'bash-al2', Runtime: 'provided.al2', Handler: 'function.handler', Code: { ZipFile: zip } });
    expect((await t.invoke({ FunctionName: 'bash-al2', Payload: Buffer.from('1') })).body).toBe(`Echoing request: '1'`);

    await t.createFunction({
      FunctionName: 'no-bootstrap',
      Runtime: 'provided.al2023',
      Handler: 'x.y',
      Code: { ZipFile: await makeZip({ 'readme.txt': 'nothing to run' }) },
    });
    const out = await t.invoke({ FunctionName: 'no-bootstrap' });
    expect(out.FunctionError).toBe('Unhandled');
    expect((out.json() as { errorType: string }).errorType).toMatch(/^Runtime\./);
  });
});
