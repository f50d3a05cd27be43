import { LambdaError } from '../shared/errors.js';
import type { CallAuthorizer, CallDescription, IamMode } from './call-authorizer.js';
import type { CredentialClaims, CredentialMinter } from './credentials/credential-minter.js';
import type { PolicyDocument } from './policy/index.js';
import type { VerifiedCaller } from './sigv4/verify-sigv4.js';
import { EXPIRED_TOKEN_MESSAGE, SigV4Error } from './sigv4/sigv4-error.js';

/** A caller on lambdock's endpoint for sandboxes: a function's environment, as its credentials say. */
export interface SandboxCaller extends CredentialClaims {
  accessKeyId: string;
  /** The service its request was signed for (`lambda`, `sqs`, …: the credential scope's). */
  service: string;
}

/** The secret lookup of a SigV4 verifier, for credentials this installation minted (and that have not expired). */
export function lookupEnvironmentSecret(minter: CredentialMinter, nowMs: () => number = Date.now) {
  return async (accessKeyId: string, sessionToken: string | undefined): Promise<{ secretAccessKey: string } | undefined> => {
    const claims = minter.readClaims(accessKeyId, sessionToken);
    if (claims === undefined) return undefined;
    // Genuine but past their expiry: refused as AWS refuses expired temporary credentials.
    if (claims.expiresAtMs <= nowMs()) throw new SigV4Error('ExpiredTokenException', EXPIRED_TOKEN_MESSAGE);
    return { secretAccessKey: minter.getSecret(accessKeyId) };
  };
}

/**
 * What functions may call without IAM enforcement: the data plane (invoking functions, the queue, the
 * account's limits). The rest of the Lambda API (creating, changing, deleting) is refused to sandboxes: a
 * function is not its own administrator unless its role says so (LAMBDOCK_IAM=enforce).
 */
export const SANDBOX_LAMBDA_ACTIONS: ReadonlySet<string> = new Set([
  'lambda:InvokeFunction',
  'lambda:InvokeAsync',
  'lambda:GetAccountSettings',
]);

/** The principal IAM names for a function's environment: its role's session, named after the function. */
export function getAssumedRoleArn(caller: Pick<SandboxCaller, 'roleArn' | 'functionArn'>): string {
  const account = /^arn:[^:]+:iam::(\d{12}):/.exec(caller.roleArn)?.[1] ?? caller.functionArn.split(':')[4] ?? '';
  const roleName = caller.roleArn.split('/').at(-1) ?? '';
  const functionName = caller.functionArn.split(':')[6] ?? '';
  return `arn:aws:sts::${account}:assumed-role/${roleName}/${functionName}`;
}

/** AWS's AccessDeniedException for an action no identity-based policy allows. */
export function accessDenied(principalArn: string, action: string, resource: string): LambdaError {
  return new LambdaError(
    'AccessDeniedException',
    `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  );
}

/** A role's policies (IamService): inline and attached; undefined when the role does not exist. */
export interface RolePolicies {
  loadRolePolicies(roleArn: string): Promise<PolicyDocument[] | undefined>;
}

/**
 * What a function's environment may call on lambdock's endpoint for sandboxes. IAM off: the data plane
 * (SANDBOX_LAMBDA_ACTIONS and the queue), nothing else. IAM enforced: whatever its execution role's
 * policies (and the target's resource policy) allow, with AWS's rules.
 */
export class SandboxCallPolicy {
  constructor(
    private readonly minter: CredentialMinter,
    private readonly mode: IamMode,
    private readonly authorizer: CallAuthorizer,
    private readonly roles: RolePolicies | undefined,
  ) {}

  async authorize(verified: VerifiedCaller, call: CallDescription): Promise<void> {
    const claims = this.minter.verify(verified.accessKeyId, verified.sessionToken);
    // The signature was checked with these credentials a moment ago; only an expiry in between lands here.
    if (claims === undefined) throw new LambdaError('AccessDeniedException', 'The security token included in the request is expired');
    const principalArn = getAssumedRoleArn(claims);
    if (this.mode === 'enforce') {
      const policies = (await this.roles?.loadRolePolicies(claims.roleArn)) ?? [];
      const accountId = /^arn:[^:]+:iam::(\d{12}):/.exec(claims.roleArn)?.[1] ?? '';
      await this.authorizer.authorize({ principalArn, accountId, policies }, call);
      return;
    }
    if (call.signingService === 'sqs') return;
    const { action, resource } = this.authorizer.describe(call);
    if (!SANDBOX_LAMBDA_ACTIONS.has(action)) throw accessDenied(principalArn, action, resource);
  }
}
