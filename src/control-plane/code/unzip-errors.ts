import { invalidParameter, LambdaError } from '../../shared/errors.js';

/** AWS's exact text for an upload that is not a readable zip. */
export const CORRUPT_ZIP_MESSAGE = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

const MAX_NAME_IN_MESSAGE = 200;

/** Not a zip, or a zip whose structure or data is damaged. */
export const corruptZip = (cause?: unknown): LambdaError =>
  new LambdaError('InvalidParameterValueException', CORRUPT_ZIP_MESSAGE, { cause });

/** A readable zip we refuse to unpack, for the reason in `detail` (a full sentence). */
export const refusedZip = (detail: string): LambdaError => invalidParameter(`Could not unzip uploaded file: ${detail}`);

export const unzippedTooLarge = (limit: number): LambdaError =>
  invalidParameter(`Unzipped size must be smaller than ${limit} bytes`);

/** An entry name made safe to quote in a message: control characters escaped, long names cut. */
export const quoteName = (name: string): string => {
  const escaped = name.replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  const cut = escaped.length > MAX_NAME_IN_MESSAGE ? `${escaped.slice(0, MAX_NAME_IN_MESSAGE)}…` : escaped;
  return `'${cut}'`;
};
