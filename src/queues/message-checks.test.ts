import { describe, expect, it } from 'vitest';
import { checkBatch, checkBody, checkMessageAttributes, decodeReceipt, encodeReceipt, filterAttributes } from './message-checks.js';

const attributes = { General: 'Kenobi', Hello: 'There', 'Help.Me': 'Me' };

describe('message checks', () => {
  it('filters attributes by All, .*, a prefix, or exact names (as AWS does)', () => {
    expect(filterAttributes(attributes, ['All'])).toEqual(attributes);
    expect(filterAttributes(attributes, ['.*'])).toEqual(attributes);
    expect(filterAttributes(attributes, ['Hel.*'])).toEqual({ Hello: 'There', 'Help.Me': 'Me' });
    expect(filterAttributes(attributes, ['Hello', 'Nope'])).toEqual({ Hello: 'There' });
    expect(filterAttributes(attributes, ['Nope'])).toBeUndefined();
    expect(filterAttributes(attributes, [])).toBeUndefined();
  });

  it('refuses empty bodies, invalid characters and bad attributes with AWS codes', () => {
    expect(() => checkBody('')).toThrow(expect.objectContaining({ code: 'MissingRequiredParameterException', message: 'The request must contain the parameter MessageBody.' }));
    expect(() => checkBody('a\u0000b')).toThrow(expect.objectContaining({ code: 'InvalidMessageContents' }));
    expect(() => checkMessageAttributes({ ErrorDetails: { DataType: 'String', StringValue: '' } })).toThrow(
      expect.objectContaining({ message: "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'." }),
    );
    expect(checkMessageAttributes({ n: { DataType: 'Number', StringValue: '12' } })).toBe(1 + 6 + 2);
  });

  it('checks batch entries', () => {
    expect(() => checkBatch([], 'SendMessageBatchRequestEntry')).toThrow(expect.objectContaining({ code: 'EmptyBatchRequest' }));
    expect(() => checkBatch(Array.from({ length: 20 }, (_, i) => ({ Id: `m${i}` })), 'x')).toThrow(
      expect.objectContaining({ code: 'TooManyEntriesInBatchRequest', message: 'Maximum number of entries per request are 10. You have sent 20.' }),
    );
    expect(() => checkBatch([{ Id: 'a b' }], 'x')).toThrow(expect.objectContaining({ code: 'InvalidBatchEntryId' }));
    expect(() => checkBatch([{ Id: 'a' }, { Id: 'a' }], 'x')).toThrow(expect.objectContaining({ code: 'BatchEntryIdsNotDistinct', message: 'Id a repeated.' }));
  });

  it('round-trips a receipt handle, and refuses one of another queue or garbage', () => {
    const receipt = { queueName: 'q', generation: 'g1', messageId: 'm1', token: 't1' };
    const handle = encodeReceipt(receipt);
    expect(decodeReceipt(handle, 'q')).toEqual(receipt);
    expect(decodeReceipt(handle, 'other')).toBeUndefined();
    expect(decodeReceipt('garbage', 'q')).toBeUndefined();
  });
});
