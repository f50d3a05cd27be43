import { describe, expect, it } from 'vitest';
import { getAttributesMd5, getBodyMd5 } from './message-md5.js';

// The vectors are AWS's answers, recorded in LocalStack's tests/aws/services/sqs/test_sqs.snapshot.json.
describe('message MD5s', () => {
  it('hashes a body as AWS does', () => {
    expect(getBodyMd5('test')).toBe('098f6bcd4621d373cade4e832627b4f6');
    expect(getBodyMd5('message-1')).toBe('3d6b824fd8c1520e9a047d21fee6fb1f');
  });

  it('hashes string attributes in name order, whatever order they come in', () => {
    const attributes = {
      Hello: { DataType: 'String', StringValue: 'There' },
      General: { DataType: 'String', StringValue: 'Kenobi' },
      'Help.Me': { DataType: 'String', StringValue: 'Me' },
    };
    expect(getAttributesMd5(attributes)).toBe('4c360f3fdafd970e05fae2f149d997f5');
    expect(getAttributesMd5({ MyAttribute: { DataType: 'String', StringValue: 'foobar' } })).toBe('adb59cd4678ea5a855436b949cd07ab6');
    expect(getAttributesMd5({ Hello: attributes.Hello })).toBe('a311262e065454b75da111d535b8dacd');
  });

  it('hashes a binary attribute with its transport byte', () => {
    const bytes = Buffer.from('traceparent\x1e00-774062d6c37081a5a0b9b5b88e30627c-2d2482211f6489da-01', 'latin1');
    expect(getAttributesMd5({ attr1: { DataType: 'Binary', BinaryValue: bytes } })).toBe('8cbe4db156db8a94db8b801b7addb984');
  });

  it('has no MD5 for no attributes', () => {
    expect(getAttributesMd5(undefined)).toBeUndefined();
    expect(getAttributesMd5({})).toBeUndefined();
  });
});
