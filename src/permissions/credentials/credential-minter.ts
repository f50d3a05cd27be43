import { createHmac, timingSafeEqual } from 'node:crypto';

/** What AWS puts in every environment for its execution role (AWS_ACCESS_KEY_ID, …). */
export interface EnvironmentCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
}

/** Who holds a set of credentials: the role the environment runs as, for which function and environment. */
export interface CredentialClaims {
  /** The function's execution role (its `Role`). */
  roleArn: string;
  /** The function version's ARN (qualified with its version). */
  functionArn: string;
  sandboxId: string;
  expiresAtMs: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** The version of the token format, first in every token (a key rotation or format change starts a new one). */
const TOKEN_PREFIX = 'lambdock1';

function base32(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i += 1) out += BASE32[(bytes[i % bytes.length] ?? 0) & 31];
  return out;
}

/**
 * Mints and checks the temporary credentials of execution environments, with nothing stored: the session
 * token carries its claims (role, function, environment, expiry) under an HMAC of the installation's
 * key, and the access key id and secret are derived from the token by the same key. Any lambdock process
 * that has the key (every one on the same Redis: see main/) can check credentials minted by any other, and
 * a sandbox cannot forge or alter claims, nor use credentials past their expiry.
 *
 * Access key ids look like AWS's temporary ones (`ASIA` + 16 base32 characters), secrets are 40 base64
 * characters, as the SDKs expect.
 */
export class CredentialMinter {
  constructor(private readonly key: Buffer) {}

  mint(claims: CredentialClaims): EnvironmentCredentials {
    const payload = Buffer.from(JSON.stringify([claims.roleArn, claims.functionArn, claims.sandboxId, claims.expiresAtMs])).toString('base64url');
    const sessionToken = `${TOKEN_PREFIX}.${payload}.${this.mac('token', payload).toString('base64url')}`;
    const accessKeyId = this.getAccessKeyId(sessionToken);
    return { accessKeyId, secretAccessKey: this.getSecret(accessKeyId), sessionToken, expiresAtMs: claims.expiresAtMs };
  }

  /**
   * The claims of credentials presented as (access key id, session token), if this installation minted
   * them and they have not expired at `nowMs`; undefined otherwise. Their secret is `getSecret(accessKeyId)`.
   */
  verify(accessKeyId: string, sessionToken: string | undefined, nowMs = Date.now()): CredentialClaims | undefined {
    const claims = this.readClaims(accessKeyId, sessionToken);
    return claims === undefined || claims.expiresAtMs <= nowMs ? undefined : claims;
  }

  /** The claims of credentials this installation minted, expired or not; undefined for any others. */
  readClaims(accessKeyId: string, sessionToken: string | undefined): CredentialClaims | undefined {
    if (sessionToken === undefined) return undefined;
    const [prefix, payload, mac, ...rest] = sessionToken.split('.');
    if (prefix !== TOKEN_PREFIX || payload === undefined || mac === undefined || rest.length > 0) return undefined;
    const expected = this.mac('token', payload);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    if (accessKeyId !== this.getAccessKeyId(sessionToken)) return undefined;
    let fields: unknown;
    try {
      fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!Array.isArray(fields) || fields.length !== 4) return undefined;
    const [roleArn, functionArn, sandboxId, expiresAtMs] = fields as unknown[];
    if (typeof roleArn !== 'string' || typeof functionArn !== 'string' || typeof sandboxId !== 'string' || typeof expiresAtMs !== 'number') return undefined;
    return { roleArn, functionArn, sandboxId, expiresAtMs };
  }

  /** The secret access key of an access key id this installation minted. */
  getSecret(accessKeyId: string): string {
    return this.mac('secret', accessKeyId).toString('base64').slice(0, 40);
  }

  private getAccessKeyId(sessionToken: string): string {
    return `ASIA${base32(this.mac('access-key', sessionToken), 16)}`;
  }

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${purpose}:${value}`).digest();
  }
}

/** The credentials key of an installation, derived from its shared secret (the worker token). */
export function deriveCredentialKey(installationSecret: string): Buffer {
  return createHmac('sha256', installationSecret).update('lambdock execution-role credentials').digest();
}
