import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './queue-sender.js';

/** MD5OfMessageBody: the hex MD5 of the body's UTF-8 bytes. */
export function getBodyMd5(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

const lengthPrefixed = (bytes: Buffer | Uint8Array): Buffer[] => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, Buffer.from(bytes)];
};

/** Transport type bytes of AWS's algorithm: 1 for String and Number values, 2 for Binary. */
const STRING_TRANSPORT = 1;
const BINARY_TRANSPORT = 2;

/**
 * MD5OfMessageAttributes, AWS's documented algorithm: attributes sorted by name; for each, the name, the
 * data type (each as a 4-byte big-endian length and its UTF-8 bytes), one transport byte, then the value
 * (length-prefixed the same way). `undefined` when there are none (AWS leaves the field out).
 */
export function getAttributesMd5(attributes: Record<string, MessageAttributeValue> | undefined): string | undefined {
  const names = Object.keys(attributes ?? {}).sort();
  if (attributes === undefined || names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    const parts = [...lengthPrefixed(Buffer.from(name, 'utf8')), ...lengthPrefixed(Buffer.from(value.DataType, 'utf8'))];
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([BINARY_TRANSPORT]), ...lengthPrefixed(value.BinaryValue));
    } else {
      parts.push(Buffer.from([STRING_TRANSPORT]), ...lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8')));
    }
    for (const part of parts) hash.update(part);
  }
  return hash.digest('hex');
}
