import { errorCodes } from 'fastify';
import { describe, expect, it } from 'vitest';
import { LambdaError, functionNotFound, invalidParameter } from '../shared/errors.js';
import { formatValidationErrors, renderLambdaError, toLambdaError, type OperationConfig } from './aws-errors.js';

const INVOKE: OperationConfig = { operation: 'InvokeFunction', requestLimit: 6291456 };

/** A fastify schema-validation error as ajv (verbose) reports it. */
function validationFailure(...errors: Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; data?: unknown; message?: string }>) {
  return Object.assign(new Error('body/MemorySize must be <= 10240'), {
    statusCode: 400,
    code: 'FST_ERR_VALIDATION',
    validation: errors,
    validationContext: 'body',
  });
}

describe('toLambdaError', () => {
  it('passes a LambdaError through unchanged', () => {
    const error = invalidParameter('bad');
    expect(toLambdaError(error, INVOKE)).toBe(error);
  });

  it('turns a maximum violation into AWS\'s ValidationException text', () => {
    const error = toLambdaError(
      validationFailure({ instancePath: '/MemorySize', keyword: 'maximum', params: { comparison: '<=', limit: 10240 }, data: 99999 }),
      undefined,
    );
    expect(error.code).toBe('ValidationException');
    expect(error.status).toBe(400);
    expect(error.message).toBe(
      "1 validation error detected: Value '99999' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240",
    );
  });

  it('quotes a value nested too deeply to print (a 20,000-deep array body) without overflowing the stack', () => {
    const deep: unknown = JSON.parse(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    const error = toLambdaError(validationFailure({ instancePath: '', keyword: 'type', params: { type: 'object' }, data: deep }), undefined);
    expect(error.code).toBe('ValidationException');
    expect(error.message).toBe("1 validation error detected: Value '[…]' at 'body' failed to satisfy constraint: Member must be of type object");
  });

  it('names a missing member from the root and from a nested object', () => {
    expect(
      toLambdaError(validationFailure({ instancePath: '', keyword: 'required', params: { missingProperty: 'Role' } }), undefined).message,
    ).toBe("1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null");
    expect(
      toLambdaError(
        validationFailure({ instancePath: '/EphemeralStorage', keyword: 'required', params: { missingProperty: 'Size' } }),
        undefined,
      ).message,
    ).toBe("1 validation error detected: Value null at 'ephemeralStorage.size' failed to satisfy constraint: Member must not be null");
  });

  it('renders nested paths, objects and each constraint keyword the AWS way', () => {
    const message = formatValidationErrors([
      { instancePath: '/Timeout', keyword: 'minimum', params: { limit: 1 }, data: 0 },
      { instancePath: '/Description', keyword: 'maxLength', params: { limit: 256 }, data: 'd' },
      { instancePath: '/Handler', keyword: 'minLength', params: { limit: 1 }, data: '' },
      { instancePath: '/Architectures', keyword: 'maxItems', params: { limit: 1 }, data: ['x86_64', 'arm64'] },
      { instancePath: '/FunctionName', keyword: 'pattern', params: { pattern: '[a-z]+' }, data: 'A B' },
      { instancePath: '/PackageType', keyword: 'enum', params: { allowedValues: ['Zip', 'Image'] }, data: 'Jar' },
      { instancePath: '/Environment/Variables', keyword: 'type', params: { type: 'object' }, data: 'x' },
      { instancePath: '/Publish', keyword: 'const', params: {}, data: true, message: 'must be equal to constant' },
    ]);
    expect(message).toBe(
      '8 validation errors detected: ' +
        [
          "Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1",
          "Value 'd' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256",
          "Value '' at 'handler' failed to satisfy constraint: Member must have length greater than or equal to 1",
          'Value \'["x86_64","arm64"]\' at \'architectures\' failed to satisfy constraint: Member must have length less than or equal to 1',
          "Value 'A B' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z]+",
          "Value 'Jar' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]",
          "Value 'x' at 'environment.variables' failed to satisfy constraint: Member must be of type object",
          "Value 'true' at 'publish' failed to satisfy constraint: Member must be equal to constant",
        ].join('; '),
    );
  });

  it('names the body itself when the failure is at the root', () => {
    expect(formatValidationErrors([{ instancePath: '', keyword: 'type', params: { type: 'object' }, data: 'str' }])).toBe(
      "1 validation error detected: Value 'str' at 'body' failed to satisfy constraint: Member must be of type object",
    );
  });

  it('turns a body over the operation\'s limit into RequestEntityTooLargeException', () => {
    const error = toLambdaError(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), INVOKE);
    expect(error.code).toBe('RequestEntityTooLargeException');
    expect(error.status).toBe(413);
    expect(error.message).toBe('Request must be smaller than 6291456 bytes for the InvokeFunction operation');
  });

  it('uses the limit of the operation it is given', () => {
    const error = toLambdaError(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), { operation: 'CreateFunction', requestLimit: 70167211 });
    expect(error.message).toBe('Request must be smaller than 70167211 bytes for the CreateFunction operation');
  });

  it('turns invalid and empty JSON bodies into InvalidRequestContentException', () => {
    for (const error of [new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY()]) {
      const lambdaError = toLambdaError(error, INVOKE);
      expect(lambdaError.code).toBe('InvalidRequestContentException');
      expect(lambdaError.status).toBe(400);
      expect(lambdaError.message).toBe(`Could not parse request body into json: ${error.message}`);
    }
  });

  it('turns a JSON.parse SyntaxError into InvalidRequestContentException', () => {
    let syntaxError: unknown;
    try {
      JSON.parse('{nope');
    } catch (error) {
      syntaxError = error;
    }
    const error = toLambdaError(syntaxError, INVOKE);
    expect(error.code).toBe('InvalidRequestContentException');
    expect(error.message).toMatch(/^Could not parse request body into json: /);
  });

  it('turns an unsupported media type into UnsupportedMediaTypeException', () => {
    const error = toLambdaError(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), INVOKE);
    expect(error.code).toBe('UnsupportedMediaTypeException');
    expect(error.status).toBe(415);
  });

  it('turns anything else into a 500 ServiceException that keeps the cause', () => {
    const cause = new Error('redis went away');
    const error = toLambdaError(cause, INVOKE);
    expect(error.code).toBe('ServiceException');
    expect(error.status).toBe(500);
    expect(error.type).toBe('Service');
    expect(error.message).toBe('The Lambda service encountered an internal error.');
    expect(error.cause).toBe(cause);
  });

  it('turns a thrown string into a ServiceException', () => {
    expect(toLambdaError('boom', INVOKE).code).toBe('ServiceException');
  });

  it('turns a thrown null or undefined into a ServiceException', () => {
    expect(toLambdaError(null, INVOKE).code).toBe('ServiceException');
    expect(toLambdaError(undefined, INVOKE).code).toBe('ServiceException');
  });
});

describe('renderLambdaError', () => {
  it('uses Message (capital M) for ResourceNotFoundException, with status 404 and the error type header', () => {
    const rendered = renderLambdaError(functionNotFound('arn:aws:lambda:us-east-1:123456789012:function:f'));
    expect(rendered).toStrictEqual({
      status: 404,
      headers: { 'x-amzn-errortype': 'ResourceNotFoundException' },
      body: { Type: 'User', Message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:f' },
    });
  });

  it('uses message (lower case) for InvalidParameterValueException, with status 400', () => {
    expect(renderLambdaError(invalidParameter('bad value'))).toStrictEqual({
      status: 400,
      headers: { 'x-amzn-errortype': 'InvalidParameterValueException' },
      body: { Type: 'User', message: 'bad value' },
    });
  });

  it('marks 5xx errors as Type Service', () => {
    const rendered = renderLambdaError(new LambdaError('ServiceException', 'An internal error occurred.'));
    expect(rendered.status).toBe(500);
    expect(rendered.body).toStrictEqual({ Type: 'Service', Message: 'An internal error occurred.' });
  });

  it('adds the extra top-level fields, e.g. the Reason of TooManyRequestsException', () => {
    const rendered = renderLambdaError(
      new LambdaError('TooManyRequestsException', 'Rate Exceeded.', { extra: { Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' } }),
    );
    expect(rendered.status).toBe(429);
    expect(rendered.headers).toStrictEqual({ 'x-amzn-errortype': 'TooManyRequestsException' });
    expect(rendered.body).toStrictEqual({
      Type: 'User',
      message: 'Rate Exceeded.',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
  });

  it.each([
    ['ValidationException', 400],
    ['AccessDeniedException', 403],
    ['ResourceConflictException', 409],
    ['RequestEntityTooLargeException', 413],
    ['ResourceNotReadyException', 502],
  ] as const)('answers %s with status %i', (code, status) => {
    const rendered = renderLambdaError(new LambdaError(code, 'x'));
    expect(rendered.status).toBe(status);
    const untyped = code === 'ValidationException' || code === 'RequestEntityTooLargeException';
    expect(rendered.body.Type).toBe(untyped ? undefined : status >= 500 ? 'Service' : 'User');
  });

  it('renders a body-too-large error end to end', () => {
    const rendered = renderLambdaError(toLambdaError(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), INVOKE));
    expect(rendered).toStrictEqual({
      status: 413,
      headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' },
      body: { message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation' },
    });
  });
});
