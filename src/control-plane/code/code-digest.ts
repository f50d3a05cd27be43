import { createHash } from 'node:crypto';

export interface CodeDigest {
  /** SHA-256 of the zip, lowercase hex: the content address of stored code. */
  sha256Hex: string;
  /** The same digest in base64, as AWS reports it in `CodeSha256`. */
  codeSha256: string;
  /** Size of the zip in bytes, as AWS reports it in `CodeSize`. */
  size: number;
}

/** Digests a deployment package exactly as uploaded (the zip's bytes, not its contents). */
export function digestCode(zip: Buffer): CodeDigest {
  const digest = createHash('sha256').update(zip).digest();
  return { sha256Hex: digest.toString('hex'), codeSha256: digest.toString('base64'), size: zip.length };
}
