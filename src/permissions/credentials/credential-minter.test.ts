import { describe, expect, it } from 'vitest';
import { CredentialMinter, deriveCredentialKey } from './credential-minter.js';

const claims = { roleArn: 'arn:aws:iam::000000000000:role/r', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST', sandboxId: 'abc', expiresAtMs: 2_000_000 };

describe('CredentialMinter', () => {
  const minter = new CredentialMinter(deriveCredentialKey('secret-of-this-installation'));

  it('mints AWS-looking temporary credentials whose claims it verifies until they expire', () => {
    const credentials = minter.mint(claims);
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(credentials.secretAccessKey).toHaveLength(40);
    expect(minter.verify(credentials.accessKeyId, credentials.sessionToken, 1_999_999)).toEqual(claims);
    expect(minter.getSecret(credentials.accessKeyId)).toBe(credentials.secretAccessKey);
    expect(minter.verify(credentials.accessKeyId, credentials.sessionToken, 2_000_000)).toBeUndefined();
  });

  it('refuses altered claims, another access key, no token, and credentials of another installation', () => {
    const credentials = minter.mint(claims);
    const [prefix, payload, mac] = credentials.sessionToken.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify(['arn:aws:iam::000000000000:role/admin', claims.functionArn, 'abc', claims.expiresAtMs])).toString('base64url');
    expect(minter.verify(credentials.accessKeyId, `${prefix}.${forged}.${mac}`, 0)).toBeUndefined();
    expect(minter.verify(credentials.accessKeyId, `${prefix}.${payload}.${mac}x`, 0)).toBeUndefined();
    expect(minter.verify(minter.mint({ ...claims, sandboxId: 'other' }).accessKeyId, credentials.sessionToken, 0)).toBeUndefined();
    expect(minter.verify(credentials.accessKeyId, undefined, 0)).toBeUndefined();
    expect(new CredentialMinter(deriveCredentialKey('another')).verify(credentials.accessKeyId, credentials.sessionToken, 0)).toBeUndefined();
  });
});
