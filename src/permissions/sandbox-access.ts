import { LambdaError } from '../shared/errors.js';
import type { CredentialClaims, CredentialMinter } from './credentials/credential-minter.js';

/** A caller on lambdock's endpoint for sandboxes: a function's environment, as its credentials say. */
export interface SandboxCaller extends CredentialClaims {
  accessKeyId: string;
  /** The service its request was signed for (`lambda`, `sqs`, …: the credential scope's). */
  service: string;
}

/** The secret lookup of a SigV4 verifier, for credentials this installation minted (and that have not expired). */
export function lookupEnvironmentSecret(minter: CredentialMinter, nowMs: () => number = Date.now) {
  return async (accessKeyId: string, sessionToken: string | undefined): Promise<{ secretAccessKey: string } | undefined> =>
    minter.verify(accessKeyId, sessionToken, nowMs()) === undefined ? undefined : { secretAccessKey: minter.getSecret(accessKeyId) };
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
