import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { getForwardedHeaders, SandboxEndpointProxy, type SandboxEndpointProxyOptions } from './sandbox-endpoint-proxy.js';

/** What the "api" saw of one request. */
interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

/** A local HTTP server standing for an api's endpoint for sandboxes; `answer` writes its reply. */
async function startApi(answer: (req: IncomingMessage, res: ServerResponse, seen: Seen) => void = (_req, res) => res.end('ok')) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      answer(req, res, entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open.push({ close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

async function startProxy(options: SandboxEndpointProxyOptions) {
  const proxy = new SandboxEndpointProxy(options);
  await proxy.listen('127.0.0.1', 0);
  open.push(proxy);
  return { proxy, port: (proxy.server.address() as AddressInfo).port };
}

interface Answer {
  status: number;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  body: string;
}

/** One request with exactly these raw headers (Host included, as a sandbox's SDK signed it). */
function send(port: number, method: string, path: string, rawHeaders: string[], body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: rawHeaders, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, rawHeaders: res.rawHeaders, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The name/value pairs of raw headers, less those about the connection; undici writes the Host line's name
 * in lower case (names are case-insensitive, and SigV4 signs them lower-cased).
 */
const pairs = (raw: readonly string[]) =>
  Array.from({ length: raw.length / 2 }, (_, i) => [raw[2 * i] === 'Host' ? 'host' : raw[2 * i], raw[2 * i + 1]]).filter(
    ([name]) => !/^(connection|content-length)$/i.test(name ?? ''),
  );

describe('SandboxEndpointProxy', () => {
  it("forwards the method, path and query, every header as sent (Host too) and the body; the answer comes back as the api gave it", async () => {
    const api = await startApi((_req, res) => {
      res.writeHead(202, [['X-Amzn-RequestId', 'r-1'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['Content-Type', 'application/x-amz-json-1.0']].flat());
      res.end('{"answer":true}');
    });
    const { port } = await startProxy({ listTargets: async () => [api.url] });
    const headers = [
      'Host', '172.17.0.1:20123',
      'X-Amz-Date', '20260101T000000Z',
      'Authorization', 'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc',
      'x-amz-security-token', 'lambdock1.token',
      'X-Repeated', 'one',
      'X-Repeated', 'two',
      'Content-Type', 'application/json',
      'Content-Length', '15',
    ];
    const answer = await send(port, 'POST', '/2015-03-31/functions/callee/invocations?Qualifier=%24LATEST&x=a%2Fb', headers, '{"from":"sbx"}\n');
    expect(api.seen).toHaveLength(1);
    const [seen] = api.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/2015-03-31/functions/callee/invocations?Qualifier=%24LATEST&x=a%2Fb');
    expect(pairs(seen?.rawHeaders ?? [])).toEqual(pairs(headers));
    expect(seen?.rawHeaders.map((h) => h.toLowerCase()).join('\n')).toContain('content-length\n15');
    expect(seen?.body).toBe('{"from":"sbx"}\n');
    expect(answer.status).toBe(202);
    expect(answer.body).toBe('{"answer":true}');
    expect(answer.headers['x-amzn-requestid']).toBe('r-1');
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.0');
  });

  it('streams the answer: what the api writes reaches the caller before the api ends it (a long poll)', async () => {
    let finish: (() => void) | undefined;
    const api = await startApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      finish = () => res.end('last');
    });
    const { port } = await startProxy({ listTargets: async () => [api.url] });
    const body = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'GET', path: '/queue?WaitTimeSeconds=20' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          // The api has not ended its answer: only a streamed first part can be here.
          if (text === 'first;') finish?.();
        });
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('first;last');
  });

  it('answers 503 with a ServiceException in the Lambda shape when no api is published', async () => {
    const { port } = await startProxy({ listTargets: async () => [] });
    const answer = await send(port, 'GET', '/2016-08-19/account-settings', ['Host', 'x']);
    expect(answer.status).toBe(503);
    expect(answer.headers['x-amzn-errortype']).toBe('ServiceException');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ Type: 'Service', Message: 'No lambdock api is reachable from this worker.' });
  });

  it('answers 503 when the published api is not reachable, then reads the list again and goes to a live one', async () => {
    const live = await startApi();
    const gone = await startApi();
    await open.pop()?.close();
    let reads = 0;
    const errors: unknown[] = [];
    const { port } = await startProxy({
      listTargets: async () => (++reads === 1 ? [gone.url] : [gone.url, live.url]),
      targetsTtlMs: 60_000,
      onError: (error) => errors.push(error),
    });
    const first = await send(port, 'GET', '/2016-08-19/account-settings', ['Host', 'x']);
    expect(first.status).toBe(503);
    expect(errors).toHaveLength(1);
    // The list was good for a minute, but the failure makes the next request read it again.
    const second = await send(port, 'GET', '/2016-08-19/account-settings', ['Host', 'x']);
    expect(second.status).toBe(200);
    expect(reads).toBe(2);
    expect(live.seen).toHaveLength(1);
  });

  it('keeps to the last list read when the list cannot be read', async () => {
    const api = await startApi();
    let reads = 0;
    const { port } = await startProxy({
      listTargets: async () => {
        reads += 1;
        if (reads > 1) throw new Error('Redis is down');
        return [api.url];
      },
      targetsTtlMs: 0,
      onError: () => undefined,
    });
    expect((await send(port, 'GET', '/a', ['Host', 'x'])).status).toBe(200);
    expect((await send(port, 'GET', '/b', ['Host', 'x'])).status).toBe(200);
    expect(reads).toBe(2);
    expect(api.seen.map((s) => s.url)).toEqual(['/a', '/b']);
  });

  it('forwards nowhere but the api: not to an absolute-form target, not to the Host named', async () => {
    const api = await startApi();
    const elsewhere = await startApi();
    const { port } = await startProxy({ listTargets: async () => [api.url] });
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(`GET ${elsewhere.url}/secret HTTP/1.1\r\nHost: ${new URL(elsewhere.url).host}\r\nConnection: close\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('InvalidRequestContentException');
    const viaHost = await send(port, 'GET', '/secret', ['Host', new URL(elsewhere.url).host]);
    expect(viaHost.status).toBe(200);
    expect(api.seen.map((s) => s.url)).toEqual(['/secret']);
    expect(elsewhere.seen).toEqual([]);
  });

  it('cuts the forward when the caller goes away before the api answers (a long poll it gave up on)', async () => {
    let apiSawClose: (() => void) | undefined;
    const closed = new Promise<void>((resolve) => (apiSawClose = resolve));
    let received: (() => void) | undefined;
    const arrived = new Promise<void>((resolve) => (received = resolve));
    // Like SQS's ReceiveMessage, the api says nothing until it has an answer.
    const api = await startApi((_req, res) => {
      res.on('close', () => apiSawClose?.());
      received?.();
    });
    const { port } = await startProxy({ listTargets: async () => [api.url] });
    const req = request({ host: '127.0.0.1', port, path: '/long-poll' });
    req.on('error', () => undefined);
    req.end();
    await arrived;
    req.destroy();
    await closed;
  });

  it('stops listening on close', async () => {
    const { proxy, port } = await startProxy({ listTargets: async () => [] });
    await proxy.close();
    open.pop();
    await expect(send(port, 'GET', '/', ['Host', 'x'])).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('getForwardedHeaders', () => {
  it('leaves out the hop-by-hop headers and those Connection names, and keeps the rest in order', () => {
    expect(
      getForwardedHeaders([
        'Host', 'h', 'Connection', 'keep-alive, X-Hop', 'Keep-Alive', 'timeout=5', 'X-Hop', '1',
        'Transfer-Encoding', 'chunked', 'Expect', '100-continue', 'Upgrade', 'h2c', 'x-amz-date', 'd', 'X-Amz-Date', 'e',
      ]),
    ).toEqual(['Host', 'h', 'x-amz-date', 'd', 'X-Amz-Date', 'e']);
  });
});
