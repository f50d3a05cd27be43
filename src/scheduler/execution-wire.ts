import type { FunctionVersionRecord } from '../control-plane/function-model.js';
import type { Execution } from '../invocation/execution.js';
import type { InvokeResponse } from '../invocation/invocation-result.js';
import { ERROR_CODES, LambdaError, type ErrorCode } from '../shared/errors.js';

/**
 * How an execution travels from an api process to a worker, and its answer back, over HTTP:
 * the request body is a 4-byte big-endian length, that many bytes of JSON (everything but the payload),
 * then the payload's raw bytes; the answer carries its fields in headers and the payload as its body, or
 * a refusal (a LambdaError) in the `x-lambdock-error` header.
 */
export const EXECUTIONS_PATH = '/_lambdock/worker/executions';
export const TOKEN_HEADER = 'x-lambdock-worker-token';
/** Where a worker answers what it knows of an image on its engine (`?reference=`): 200 with it, 404 without. */
export const IMAGES_PATH = '/_lambdock/worker/images';
export const ERROR_HEADER = 'x-lambdock-error';
/** Set with a refusal when the worker has no room (every environment busy): another worker may have. */
export const FULL_HEADER = 'x-lambdock-worker-full';

interface ExecutionHead {
  requestId: string;
  record: FunctionVersionRecord;
  invokedFunctionArn: string;
  tail: boolean;
  clientContext?: string;
  traceId?: string;
  waitForRoom?: boolean;
  leaseId?: string;
  /** Where the worker can fetch the code when it has none of it yet. */
  codeUrl?: string;
}

export interface WireExecution extends Execution {
  codeUrl?: string;
}

export function encodeExecution(execution: WireExecution): Buffer {
  const { payload, ...head } = execution;
  const json = Buffer.from(JSON.stringify(head satisfies ExecutionHead));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, payload]);
}

export function decodeExecution(body: Buffer): WireExecution {
  if (body.length < 4) throw new Error('an execution body is at least 4 bytes long');
  const length = body.readUInt32BE(0);
  if (body.length < 4 + length) throw new Error('an execution body is shorter than its head says');
  const head = JSON.parse(body.subarray(4, 4 + length).toString('utf8')) as ExecutionHead;
  return { ...head, payload: body.subarray(4 + length) };
}

export type ResponseHeaders = Record<string, string>;

export function encodeResponseHeaders(response: InvokeResponse): ResponseHeaders {
  const headers: ResponseHeaders = { 'x-lambdock-status': String(response.statusCode) };
  if (response.executedVersion !== undefined) headers['x-amz-executed-version'] = response.executedVersion;
  if (response.functionError !== undefined) headers['x-amz-function-error'] = response.functionError;
  if (response.logResult !== undefined) headers['x-amz-log-result'] = response.logResult;
  return headers;
}

export function decodeResponse(headers: Record<string, string | string[] | undefined>, payload: Buffer): InvokeResponse {
  const get = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const status = Number(get('x-lambdock-status') ?? 200) as InvokeResponse['statusCode'];
  const version = get('x-amz-executed-version');
  const functionError = get('x-amz-function-error');
  const logResult = get('x-amz-log-result');
  return {
    statusCode: status,
    payload,
    ...(version === undefined ? {} : { executedVersion: version }),
    ...(functionError === 'Unhandled' ? { functionError } : {}),
    ...(logResult === undefined ? {} : { logResult }),
  };
}

/** A worker's refusal (a throttle, a service error…) as a header value. */
export function encodeError(error: LambdaError): string {
  return Buffer.from(JSON.stringify({ code: error.code, message: error.message, retryable: error.retryable, extra: error.extra })).toString('base64');
}

export function decodeError(value: string): LambdaError {
  const { code, message, retryable, extra } = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as {
    code: string;
    message: string;
    retryable: boolean;
    extra: Record<string, unknown>;
  };
  const known = code in ERROR_CODES ? (code as ErrorCode) : 'ServiceException';
  return new LambdaError(known, message, { retryable, extra });
}
