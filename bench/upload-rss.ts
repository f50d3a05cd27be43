/**
 * `npx tsx bench/upload-rss.ts [N]`: peak resident memory of lambdock while N clients upload a 45 MB zip
 * each at once (CreateFunction, ~60 MB JSON bodies sent by curl from files, so the client's memory is not
 * counted). Prints the baseline RSS, the peak while the uploads are read and answered, and the peak until
 * every function is Active (the background unpacks).
 */
import { execFile as execFileCb } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { ROLE, startTestLambdock } from '../test/helpers/test-lambdock.js';
import { makeZip } from '../test/helpers/zip.js';

const execFile = promisify(execFileCb);
const N = Number(process.argv[2] === 'make' ? process.argv[4] : (process.argv[2] ?? 4));
const ZIP_MB = 45;

/** Writes the N request bodies (run in a child process, so that making them does not inflate our RSS). */
async function makeBodies(dir: string, count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const files: Record<string, Buffer | string> = { 'index.js': `exports.handler = async () => ${i};` };
    for (let f = 0; f < ZIP_MB; f += 1) files[`blob${f}.bin`] = randomBytes(1024 * 1024); // incompressible
    const zip = await makeZip(files);
    const body = { FunctionName: `rss-${i}`, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip.toString('base64') } };
    await writeFile(path.join(dir, `body-${i}.json`), JSON.stringify(body));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lambdock-upload-rss-'));
  await execFile(process.execPath, [...process.execArgv, process.argv[1] ?? '', 'make', dir, String(N)], { maxBuffer: 1 << 20 });
  const bodies = Array.from({ length: N }, (_, i) => path.join(dir, `body-${i}.json`));
  const t = await startTestLambdock({}, 'bench');
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 5);
    const started = performance.now();
    const answers = await Promise.all(
      bodies.map((body) =>
        execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'content-type: application/json', '--data-binary', `@${body}`, `${t.url}/2015-03-31/functions`]).then((r) => r.stdout),
      ),
    );
    const answered = performance.now() - started;
    const peakWhileUploading = peak;
    for (let i = 0; i < N; i += 1) {
      await waitUntilFunctionActiveV2({ client: t.client, maxWaitTime: 300, minDelay: 1 }, { FunctionName: `rss-${i}` });
    }
    clearInterval(sampler);
    const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;
    console.log(
      `N=${N} × ${ZIP_MB} MB zips: answers ${answers.join(',')} in ${Math.round(answered)} ms; RSS baseline ${mb(baseline)}, ` +
        `peak until answered ${mb(peakWhileUploading)} (+${mb(peakWhileUploading - baseline)}), peak until Active ${mb(peak)} (+${mb(peak - baseline)})`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
    await t.close();
  }
}

(process.argv[2] === 'make' ? makeBodies(process.argv[3] ?? '', N) : main()).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
