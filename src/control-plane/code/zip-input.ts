import { invalidParameter } from '../../shared/errors.js';
import { CORRUPT_ZIP_MESSAGE } from './unzip-errors.js';

export interface CodeInput {
  /** Base64 text as in the JSON body, or the bytes already decoded by the API. */
  ZipFile?: string | Buffer;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

/** The zip of a CreateFunction `Code` or an UpdateFunctionCode body, decoded and checked as base64. */
export function decodeZip(input: CodeInput): Buffer {
  if (input.ImageUri !== undefined) throw invalidParameter('lambdock runs .zip functions only: ImageUri is not supported.');
  if (input.ZipFile === undefined) {
    if (input.S3Bucket !== undefined || input.S3Key !== undefined) {
      throw invalidParameter('lambdock does not read code from S3 yet: send the zip in Code.ZipFile.');
    }
    throw invalidParameter('Please provide a source for function code.');
  }
  if (Buffer.isBuffer(input.ZipFile)) {
    if (input.ZipFile.length === 0) throw invalidParameter(CORRUPT_ZIP_MESSAGE);
    return input.ZipFile;
  }
  const zip = Buffer.from(input.ZipFile, 'base64');
  if (zip.length === 0 || zip.toString('base64').replace(/=+$/, '') !== input.ZipFile.replace(/\s|=+$/g, '')) {
    throw invalidParameter(CORRUPT_ZIP_MESSAGE);
  }
  return zip;
}
