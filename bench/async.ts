/**
 * Asynchronous invocation, part of `npm run bench`: how long an Event invoke takes to be accepted (the
 * 202, i.e. the event stored in Redis) beside a plain Redis LPUSH round trip from the same process; how
 * long from the 202 until the function starts; and how many events per second one function gets through
 * with 8 events in flight. Runs a lambdock of its own (host access open: the function reports its start).
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { REPORTING_HANDLER, startRecorder } from '../test/helpers/recorder.js';
import { startTestLambdock } from '../test/helpers/test-lambdock.js';
import { nodeZip } from '../test/helpers/zip.js';

export interface AsyncRows {
  latency: Array<{ scenario: string; samples: number[]; target?: string }>;
  throughput: Array<{ scenario: string; perSecond: number }>;
}

const ACCEPT_RUNS = Number(process.env.BENCH_ASYNC_RUNS ?? 1000);
const START_RUNS = Number(process.env.BENCH_ASYNC_START_RUNS ?? 100);
const DRAIN_EVENTS = Number(process.env.BENCH_ASYNC_DRAIN_EVENTS ?? 2000);

export async function measureAsync(): Promise<AsyncRows> {
  const recorder = await startRecorder();
  const t = await startTestLambdock({ LAMBDOCK_SANDBOX_HOST_ACCESS: 'open', LAMBDOCK_ASYNC_CONCURRENCY: '8', LAMBDOCK_PAUSE_GRACE_MS: '50' }, 'bench');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl);
  const http = new Pool(t.url, { connections: 8, pipelining: 1 });
  const queue = new Queue('async-events', { connection: { url: redisUrl }, prefix: `${t.instanceId}:bull` });
  const rows: AsyncRows = { latency: [], throughput: [] };
  const sendEvent = async (name: string, payload: unknown): Promise<{ ms: number; requestId: string }> => {
    const started = performance.now();
    const res = await http.request({
      method: 'POST',
      path: `/2015-03-31/functions/${name}/invocations`,
      headers: { 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify(payload),
    });
    await res.body.text();
    const ms = performance.now() - started;
    if (res.statusCode !== 202) throw new Error(`Event invoke answered ${res.statusCode}`);
    return { ms, requestId: String(res.headers['x-amzn-requestid']) };
  };
  const drained = async () => {
    for (;;) {
      const counts = await queue.getJobCounts('wait', 'delayed', 'active', 'prioritized');
      if (Object.values(counts).every((n) => n === 0)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    await t.createFunction({ FunctionName: 'reporter', Code: { ZipFile: await nodeZip(REPORTING_HANDLER) }, Environment: { Variables: { RECORDER_PORT: String(recorder.port) } } });
    await t.createFunction({ FunctionName: 'quiet', Code: { ZipFile: await nodeZip('exports.handler = async () => 1;') } });

    // Accepted → started: one event at a time, each after the last has run (a warm environment).
    process.stdout.write('async: 202 → function started…\n');
    const toStart: number[] = [];
    for (let i = 0; i <= START_RUNS; i += 1) {
      const sentAt = Date.now();
      const { requestId } = await sendEvent('reporter', { i });
      const [report] = await recorder.waitFor(1, (b) => b.requestId === requestId);
      if (i > 0) toStart.push((report?.receivedAt ?? NaN) - sentAt);
    }

    process.stdout.write('async: Event invoke accepted (202), and Redis LPUSH…\n');
    const accepted: number[] = [];
    for (let i = 0; i < ACCEPT_RUNS; i += 1) accepted.push((await sendEvent('quiet', { i })).ms);
    await drained();
    const lpush: number[] = [];
    const key = `${t.instanceId}:bench-lpush`;
    for (let i = 0; i < ACCEPT_RUNS; i += 1) {
      const started = performance.now();
      await redis.lpush(key, JSON.stringify({ i, payload: 'x'.repeat(64) }));
      lpush.push(performance.now() - started);
    }
    await redis.del(key);
    rows.latency.push(
      { scenario: 'lambdock Event invoke accepted (202: stored in Redis)', samples: accepted },
      { scenario: 'baseline: Redis LPUSH round trip, same Redis', samples: lpush },
      { scenario: 'lambdock Event invoke: 202 → function started (warm)', samples: toStart },
    );

    process.stdout.write('queues: SendMessage and ReceiveMessage (JSON protocol)…\n');
    const sqs = (action: string, body: object) =>
      http.request({
        method: 'POST',
        path: '/',
        headers: { 'x-amz-target': `AmazonSQS.${action}`, 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify(body),
      });
    const created = await sqs('CreateQueue', { QueueName: 'bench' });
    const { QueueUrl } = (await created.body.json()) as { QueueUrl: string };
    const timed = async (action: string, body: object, check: (text: string) => boolean): Promise<number> => {
      const began = performance.now();
      const res = await sqs(action, body);
      const text = await res.body.text();
      const ms = performance.now() - began;
      if (res.statusCode !== 200 || !check(text)) throw new Error(`${action} answered ${res.statusCode}: ${text}`);
      return ms;
    };
    const sends: number[] = [];
    for (let i = 0; i < ACCEPT_RUNS; i += 1) sends.push(await timed('SendMessage', { QueueUrl, MessageBody: `{"i":${i}}` }, (text) => text.includes('MessageId')));
    const receives: number[] = [];
    for (let i = 0; i < ACCEPT_RUNS; i += 1) receives.push(await timed('ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 300 }, (text) => text.includes('ReceiptHandle')));
    rows.latency.push(
      { scenario: 'lambdock queue SendMessage (SQS JSON protocol)', samples: sends },
      { scenario: 'lambdock queue ReceiveMessage, 1 message waiting or more', samples: receives },
    );

    process.stdout.write(`async: ${DRAIN_EVENTS} events through one function, 8 in flight…\n`);
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, async (_, lane) => {
      for (let i = lane; i < DRAIN_EVENTS; i += 8) await sendEvent('quiet', { i });
    }));
    await drained();
    rows.throughput.push({ scenario: 'lambdock events through one function, 8 in flight (events/s, 202 → run)', perSecond: DRAIN_EVENTS / ((performance.now() - started) / 1000) });
  } finally {
    await queue.close();
    await http.close();
    await redis.quit();
    await t.close();
    await recorder.close();
  }
  return rows;
}
