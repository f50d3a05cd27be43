import { createHash } from 'node:crypto';
import { getTraceField, type TraceFields } from './trace-header.js';

/**
 * Recursive loop detection, as Lambda does it: the trace header carries a `Lineage` field, one
 * `<function hash>:<count>` entry per function of the chain (`|`-separated). Each invocation of a function
 * counts one more for it; the SDKs pass the header on (`_X_AMZN_TRACE_ID` → `X-Amzn-Trace-Id`) to what the
 * function calls, and async events and destinations keep it. A function may be invoked 16 times
 * recursively; the 17th time its setting (Terminate, the default) stops the loop.
 */
export const MAX_RECURSIVE_INVOCATIONS = 16;

const hashes = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

/** The 8 hex characters a function goes by in the Lineage field (remembered: it is asked on every invoke). */
export function getLineageHash(functionArn: string): string {
  let hash = hashes.get(functionArn);
  if (hash === undefined) {
    hash = createHash('sha256').update(functionArn).digest('hex').slice(0, 8);
    if (hashes.size >= MAX_REMEMBERED) hashes.clear();
    hashes.set(functionArn, hash);
  }
  return hash;
}

export interface LineageStep {
  /** The trace to run the invocation with (its Lineage counting it). */
  trace: TraceFields;
  /** How many times this function was invoked recursively in the chain, this one included (0: not a loop). */
  recursions: number;
}

/** Counts an invocation of the function with `hash` in the trace's Lineage. */
export function countInvocation(trace: TraceFields, hash: string): LineageStep {
  const entries = (getTraceField(trace, 'Lineage') ?? '')
    .split('|')
    .map((entry) => entry.trim())
    .filter((entry) => /^[0-9a-f]{8}:\d+$/.test(entry));
  const own = entries.find((entry) => entry.startsWith(`${hash}:`));
  const recursions = own === undefined ? 0 : Number(own.slice(hash.length + 1)) + 1;
  const lineage = [...entries.filter((entry) => entry !== own), `${hash}:${recursions}`].join('|');
  const without = trace.filter(([key]) => key.toLowerCase() !== 'lineage');
  return { trace: [...without, ['Lineage', lineage]], recursions };
}

export const isLoopStopped = (step: LineageStep): boolean => step.recursions > MAX_RECURSIVE_INVOCATIONS;
