import { describe, expect, it } from 'vitest';
import { lambdaErrorOf } from '../../../test/helpers/lambda-error-of.js';
import { Violations } from '../../shared/violations.js';
import {
  EVENT_INVOKE_CONFIG_MEMBERS,
  checkEventInvokeConfigInput,
  checkHasSetting,
  getDestinationKind,
  getMergedConfig,
  getReplacedConfig,
  invalidDestinationConfig,
  toEventInvokeConfigView,
  type EventInvokeConfigInput,
} from './event-invoke-config-input.js';

const messageOf = (input: EventInvokeConfigInput): string | undefined => {
  const violations = new Violations(EVENT_INVOKE_CONFIG_MEMBERS);
  checkEventInvokeConfigInput(input, violations);
  return violations.toError()?.message;
};

const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:q';
const FN2 = 'arn:aws:lambda:us-east-1:000000000000:function:fn2';

describe('checkEventInvokeConfigInput', () => {
  it('accepts the bounds of each range', () => {
    expect(messageOf({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 })).toBeUndefined();
    expect(messageOf({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 })).toBeUndefined();
  });

  it('words an out-of-range value as AWS does', () => {
    expect(messageOf({ MaximumRetryAttempts: 5 })).toBe(
      "1 validation error detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    expect(messageOf({ MaximumEventAgeInSeconds: 59 })).toBe(
      "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60",
    );
    expect(messageOf({ MaximumRetryAttempts: -1, MaximumEventAgeInSeconds: 44444 })).toBe(
      "2 validation errors detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0; " +
        "Value '44444' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600",
    );
  });

  it("refuses a destination that fails AWS's DestinationArn pattern (recorded from AWS)", () => {
    const arn = 'arn:aws:_-/!lambda:us-east-1:000000000000:function:fn';
    expect(messageOf({ DestinationConfig: { OnFailure: { Destination: arn } } })).toBe(
      `1 validation error detected: Value '${arn}' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: $|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)',
    );
    expect(messageOf({ DestinationConfig: { OnSuccess: { Destination: '' }, OnFailure: { Destination: QUEUE } } })).toBeUndefined();
  });
});

describe('checkHasSetting', () => {
  it('refuses a body with no setting, and counts an empty DestinationConfig as one', () => {
    const error = lambdaErrorOf(() => checkHasSetting({}));
    expect(error.code).toBe('InvalidParameterValueException');
    expect(error.message).toBe('You must specify at least one of error handling or destination setting.');
    expect(() => checkHasSetting({ DestinationConfig: { OnSuccess: {} } })).not.toThrow();
    expect(() => checkHasSetting({ MaximumRetryAttempts: 0 })).not.toThrow();
  });
});

describe('Put replaces, Update merges', () => {
  const put = getReplacedConfig('$LATEST', { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnSuccess: { Destination: FN2 } } }, 1000);

  it('Put keeps only what the body names', () => {
    expect(getReplacedConfig('$LATEST', { MaximumRetryAttempts: 0 }, 2000)).toEqual({ qualifier: '$LATEST', maximumRetryAttempts: 0, lastModified: 2000 });
  });

  it('Update changes what the body names and keeps the rest', () => {
    expect(getMergedConfig(put, { MaximumRetryAttempts: 0 }, 2000)).toEqual({
      qualifier: '$LATEST',
      maximumRetryAttempts: 0,
      maximumEventAgeInSeconds: 60,
      onSuccess: FN2,
      lastModified: 2000,
    });
  });

  it('an Update with a DestinationConfig replaces both destinations', () => {
    expect(getMergedConfig(put, { DestinationConfig: { OnFailure: { Destination: QUEUE } } }, 2000)).toEqual({
      qualifier: '$LATEST',
      maximumRetryAttempts: 2,
      maximumEventAgeInSeconds: 60,
      onFailure: QUEUE,
      lastModified: 2000,
    });
  });
});

describe('toEventInvokeConfigView', () => {
  it('answers epoch seconds with milliseconds, both destination keys, and no unset setting', () => {
    const view = toEventInvokeConfigView({ qualifier: '1', maximumRetryAttempts: 0, lastModified: 1573686021479 }, 'arn:aws:lambda:us-east-1:000000000000:function:fn:1');
    expect(view).toEqual({
      LastModified: 1573686021.479,
      FunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:1',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: {}, OnFailure: {} },
    });
    expect(JSON.stringify(view)).toContain('"LastModified":1573686021.479,');
  });

  it('shows a destination under its key', () => {
    const view = toEventInvokeConfigView({ qualifier: '$LATEST', onSuccess: FN2, lastModified: 0 }, 'arn');
    expect(view.DestinationConfig).toEqual({ OnSuccess: { Destination: FN2 }, OnFailure: {} });
  });
});

describe('destination kinds', () => {
  it('tells what lambdock delivers to, what AWS takes but lambdock cannot deliver to, and what AWS refuses', () => {
    expect(getDestinationKind(FN2).kind).toBe('lambda');
    expect(getDestinationKind(QUEUE).kind).toBe('sqs');
    for (const arn of ['arn:aws:sns:us-east-1:000000000000:t', 'arn:aws:events:us-east-1:000000000000:event-bus/b', 'arn:aws:s3:::bucket', 'kafka://topic']) {
      expect(getDestinationKind(arn).kind).toBe('undeliverable');
    }
    expect(getDestinationKind('arn:aws:iam:us-east-1:000000000000:function:fn').kind).toBe('invalid');
  });

  it("words AWS's invalid-destination message (recorded with onFailure unset)", () => {
    const arn = 'arn:aws:iam:us-east-1:000000000000:function:fn';
    expect(invalidDestinationConfig({ onSuccess: arn })).toBe(
      `The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${arn}), onFailure=null) is invalid.`,
    );
  });
});
