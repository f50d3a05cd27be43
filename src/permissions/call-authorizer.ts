import { buildFunctionArn, parseFunctionTarget, type Scope } from '../control-plane/function-ref.js';
import { LambdaError } from '../shared/errors.js';
import { findLambdaOperation } from './lambda-operations.js';
import { combineDecisions, evaluateIdentityPolicies, evaluateResourcePolicy, type Decision, type PolicyDocument, type RequestPrincipal } from './policy/index.js';

/** One call on a lambdock endpoint, as the authorizer needs it (the API describes it; no Fastify here). */
export interface CallDescription {
  method: string;
  /** The matched route as registered (`/2015-03-31/functions/:FunctionName/invocations`). */
  route: string;
  params: Record<string, string | undefined>;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body, for the queue's protocols (the action and queue are in it). */
  body: unknown;
  /** The service the signature is scoped to (`lambda`, `sqs`). */
  signingService: string;
}

/** Who calls: a principal ARN (a role session, an account's root), its account, and the policies that speak for it. */
export interface CallerIdentity {
  principalArn: string;
  accountId: string;
  /** Its identity-based policies; undefined: not known here (another account's: only the resource policy can allow). */
  policies: readonly PolicyDocument[] | undefined;
}

export type IamMode = 'off' | 'enforce';

/** Where function policies come from (FunctionPolicyService.loadPolicy): typed statements, AWS's shape. */
export interface FunctionPolicies {
  loadPolicy(functionName: string, qualifier: string | undefined): Promise<ReadonlyArray<object> | undefined>;
}

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const lastSegment = (url: string | undefined): string | undefined => url?.split('/').filter((part) => part !== '').at(-1);

/**
 * The SQS action and queue of a call in either of the queue's protocols (JSON: X-Amz-Target and a JSON
 * body; query: a form, to `/` or to the queue's URL). The queue is named by its URL, or by name (CreateQueue,
 * GetQueueUrl).
 */
function describeQueueCall(call: CallDescription): { action: string; queueName: string | undefined } {
  const target = asString(call.headers['x-amz-target']);
  const text = Buffer.isBuffer(call.body) ? call.body.toString('utf8') : '';
  if (target !== undefined) {
    let fields: { QueueUrl?: unknown; QueueName?: unknown } = {};
    try {
      fields = JSON.parse(text) as typeof fields;
    } catch {
      // Not JSON: the queue's own handler refuses it; here it names no queue.
    }
    return { action: `sqs:${target.split('.').at(-1) ?? '*'}`, queueName: lastSegment(asString(fields.QueueUrl)) ?? asString(fields.QueueName) };
  }
  const form = new URLSearchParams(text);
  const queueName = call.params.queueName ?? lastSegment(form.get('QueueUrl') ?? undefined) ?? form.get('QueueName') ?? undefined;
  return { action: `sqs:${form.get('Action') ?? '*'}`, queueName };
}

/**
 * Decides whether a caller may make a call, with AWS's rules (LAMBDOCK_IAM=enforce): the caller's
 * identity-based policies, and for calls on a function its resource-based policy (AddPermission). In one
 * account either may allow; from another account both must (the resource policy names the account),
 * and an explicit Deny in either wins. Refusals are AWS's AccessDeniedException.
 */
export class CallAuthorizer {
  constructor(
    private readonly scope: Scope,
    private readonly policies: FunctionPolicies,
  ) {}

  /** The IAM action and resource ARN of a call, and the function it is on (for its resource policy). */
  describe(call: CallDescription): { action: string; resource: string; fn?: { name: string; qualifier?: string } } {
    if (call.signingService === 'sqs') {
      const { action, queueName } = describeQueueCall(call);
      return { action, resource: queueName === undefined ? '*' : `arn:aws:sqs:${this.scope.region}:${this.scope.accountId}:${queueName}` };
    }
    const operation = findLambdaOperation(call.method, call.route, call.query);
    const action = operation?.action ?? 'lambda:*';
    const functionName = call.params.FunctionName;
    if (functionName !== undefined) {
      const ref = parseFunctionTarget(decodeURIComponent(functionName), asString(call.query.Qualifier), this.scope);
      return {
        action,
        resource: buildFunctionArn(this.scope, ref.name, ref.qualifier),
        fn: ref.qualifier === undefined ? { name: ref.name } : { name: ref.name, qualifier: ref.qualifier },
      };
    }
    const layer = call.params.LayerName;
    if (layer !== undefined) {
      const version = call.params.VersionNumber;
      return { action, resource: `arn:aws:lambda:${this.scope.region}:${this.scope.accountId}:layer:${layer}${version === undefined ? '' : `:${version}`}` };
    }
    return { action, resource: '*' };
  }

  async authorize(caller: CallerIdentity, call: CallDescription): Promise<void> {
    const { action, resource, fn } = this.describe(call);
    const principal: RequestPrincipal = { type: 'AWS', id: caller.principalArn };
    const request = { action, resource, principal, context: { 'aws:PrincipalAccount': caller.accountId, 'aws:PrincipalArn': caller.principalArn } };
    const identity: Decision = caller.policies === undefined ? 'ImplicitDeny' : evaluateIdentityPolicies(caller.policies, request);
    let decision = identity;
    if (fn !== undefined) {
      const statements = await this.policies.loadPolicy(fn.name, fn.qualifier);
      const resourcePolicy = statements === undefined ? undefined : ({ Version: '2012-10-17', Statement: statements } as unknown as PolicyDocument);
      const onResource = evaluateResourcePolicy(resourcePolicy, request);
      decision =
        caller.accountId === this.scope.accountId
          ? combineDecisions(identity, onResource)
          : identity === 'ExplicitDeny' || onResource === 'ExplicitDeny'
            ? 'ExplicitDeny'
            : onResource === 'Allow' && (caller.policies === undefined || identity === 'Allow')
              ? 'Allow'
              : 'ImplicitDeny';
    }
    if (decision !== 'Allow') throw denied(caller.principalArn, action, resource, decision, fn !== undefined);
  }
}

/** AWS's AccessDeniedException, saying which kind of policy is missing or denies. */
export function denied(principalArn: string, action: string, resource: string, decision: Decision, hasResourcePolicy: boolean): LambdaError {
  const why =
    decision === 'ExplicitDeny'
      ? `with an explicit deny in ${hasResourcePolicy ? 'a resource-based or identity-based' : 'an identity-based'} policy`
      : `because no ${hasResourcePolicy ? 'resource-based policy or identity-based' : 'identity-based'} policy allows the ${action} action`;
  return new LambdaError('AccessDeniedException', `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}
