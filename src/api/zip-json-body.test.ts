import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { INVALID_ZIP_MARKER, ZipJsonScanner } from './zip-json-body.js';

function scan(text: string, chunkSize: number, declared = Buffer.byteLength(text)) {
  const bytes = Buffer.from(text);
  const scanner = new ZipJsonScanner(declared);
  for (let at = 0; at < bytes.length; at += chunkSize) scanner.push(bytes.subarray(at, at + chunkSize));
  return scanner.finish();
}

describe('ZipJsonScanner', () => {
  const zip = randomBytes(1000);
  const create = JSON.stringify({ FunctionName: 'f', Code: { ZipFile: zip.toString('base64') }, Description: 'a "quoted", {odd} value' });
  const update = JSON.stringify({ RevisionId: 'r', ZipFile: zip.toString('base64'), DryRun: true });

  it.each([1, 2, 3, 7, 64, 100_000])('decodes Code.ZipFile of a CreateFunction body split in chunks of %i bytes', (size) => {
    const body = scan(create, size);
    expect(body.zip?.equals(zip)).toBe(true);
    expect(JSON.parse(body.json)).toEqual({ FunctionName: 'f', Code: { ZipFile: '' }, Description: 'a "quoted", {odd} value' });
  });

  it.each([1, 5, 4096])('decodes the top-level ZipFile of an UpdateFunctionCode body (chunks of %i)', (size) => {
    const body = scan(update, size);
    expect(body.zip?.equals(zip)).toBe(true);
    expect(JSON.parse(body.json)).toEqual({ RevisionId: 'r', ZipFile: '', DryRun: true });
  });

  it('works without a Content-Length (grows past the announced size)', () => {
    expect(scan(update, 13, 0).zip?.equals(zip)).toBe(true);
  });

  it('leaves ZipFile values elsewhere alone, and bodies without a zip untouched', () => {
    const text = JSON.stringify({ Environment: { Variables: { ZipFile: 'QUJD' } }, Tags: ['ZipFile'] });
    expect(scan(text, 3)).toEqual({ json: text });
  });

  it.each([
    ['a character outside base64', 'QUJD*EVG'],
    ['text after the padding', 'QQ==QUJD'],
    ['an escape', 'QUJD\\/EVG'],
    ['a length no base64 has', 'QUJDR'],
  ])('marks %s as invalid', (_what, value) => {
    const body = scan(`{"ZipFile":"${value}"}`, 2);
    expect(body.zip).toBeUndefined();
    expect(JSON.parse(body.json)).toEqual({ ZipFile: INVALID_ZIP_MARKER });
  });
});
