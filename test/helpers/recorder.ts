import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One report a function made (whatever JSON it sent), with when it arrived. */
export interface Report {
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface Recorder {
  /** The port functions report to (on the host's address the Runtime API is advertised on). */
  port: number;
  reports: Report[];
  /** The reports matching `match`, once there are at least `count` of them. */
  waitFor(count: number, match?: (body: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Report[]>;
  close(): Promise<void>;
}

/**
 * An HTTP server on every host address that functions POST JSON reports to (with host access open),
 * so a test sees each run of a function it did not call itself (an asynchronous invocation's attempts).
 */
export async function startRecorder(): Promise<Recorder> {
  const reports: Report[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        reports.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, receivedAt: Date.now() });
      } catch {
        // Not a report.
      }
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    reports,
    async waitFor(count, match = () => true, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = reports.filter((r) => match(r.body));
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} reports, got ${found.length}: ${JSON.stringify(found.map((r) => r.body))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A Node.js handler that reports each run (request id, event, the environment's run count) to the
 * recorder at RECORDER_PORT, waits `event.sleepMs`, then fails when `event.fail` is set.
 */
export const REPORTING_HANDLER = `
const http = require('http');
let runs = 0;
const report = (body) => new Promise((resolve) => {
  const host = process.env.AWS_LAMBDA_RUNTIME_API.split(':')[0];
  const req = http.request({ host, port: Number(process.env.RECORDER_PORT), method: 'POST', path: '/' }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', resolve);
  req.end(JSON.stringify(body));
});
exports.handler = async (event, context) => {
  runs += 1;
  await report({ requestId: context.awsRequestId, function: context.functionName, arn: context.invokedFunctionArn, event, runs });
  if (event && event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event && event.fail) throw new Error('intentional failure ' + runs);
  return { ok: true, runs, event };
};`;
