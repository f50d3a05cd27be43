import { randomFillSync } from 'node:crypto';

/**
 * The X-Ray trace header (`X-Amzn-Trace-Id`, `_X_AMZN_TRACE_ID` in the environment):
 * `Root=1-<8 hex epoch seconds>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>[;Lineage=…]`. Fields are kept in
 * their order; unknown ones are carried along.
 */
export type TraceFields = Array<[key: string, value: string]>;

export function parseTraceHeader(header: string | undefined): TraceFields {
  if (header === undefined) return [];
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.includes('='))
    .map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as [string, string];
    });
}

export function formatTraceHeader(fields: TraceFields): string {
  return fields.map(([key, value]) => `${key}=${value}`).join(';');
}

export function getTraceField(fields: TraceFields, key: string): string | undefined {
  return fields.find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
}

function setField(fields: TraceFields, key: string, value: string): TraceFields {
  const at = fields.findIndex(([name]) => name.toLowerCase() === key.toLowerCase());
  if (at === -1) return [...fields, [key, value]];
  return fields.map((field, index) => (index === at ? [field[0], value] : field));
}

const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/**
 * Random hex for trace ids, drawn from a pool filled 4 KB at a time (as Node's randomUUID does): every
 * invocation takes 20 bytes, and a call into the CSPRNG per id cost ~15 µs of CPU each on the warm path.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/** A new trace root, as X-Ray makes them: the time in epoch seconds (hex) and 96 random bits. */
export function createTraceRoot(nowMs = Date.now()): string {
  return `1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomHex(12)}`;
}

/**
 * The trace header an invocation runs with (what the runtime sets as `_X_AMZN_TRACE_ID`): the caller's
 * trace when it sent a valid one, with a new segment of Lambda's as its Parent (as AWS does), otherwise a
 * new trace, not sampled (lambdock records no X-Ray segments). Other fields (Lineage …) go along.
 */
export function getInvocationTrace(incoming: string | undefined, nowMs = Date.now()): TraceFields {
  const fields = parseTraceHeader(incoming);
  const root = getTraceField(fields, 'Root');
  let trace: TraceFields = root !== undefined && ROOT.test(root) ? fields : [['Root', createTraceRoot(nowMs)]];
  trace = setField(trace, 'Parent', randomHex(8));
  if (getTraceField(trace, 'Sampled') === undefined) trace = setField(trace, 'Sampled', '0');
  return trace;
}
