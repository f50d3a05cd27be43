import { IamError, serviceFailure } from '../../../iam/iam-error.js';
import type { IamService } from '../../../iam/iam-service.js';
import { getIamInput, renderIamError, renderIamOutput } from './iam-query-protocol.js';

export { isIamRequest } from './iam-query-protocol.js';

type Operation = (iam: IamService, input: never) => Promise<object>;

/** The IAM actions lambdock serves. */
const IAM_OPERATIONS = {
  CreateRole: (iam, input: Parameters<IamService['createRole']>[0]) => iam.createRole(input),
  GetRole: (iam, input: Parameters<IamService['getRole']>[0]) => iam.getRole(input),
  DeleteRole: (iam, input: Parameters<IamService['deleteRole']>[0]) => iam.deleteRole(input),
  ListRoles: (iam, input: Parameters<IamService['listRoles']>[0]) => iam.listRoles(input),
  PutRolePolicy: (iam, input: Parameters<IamService['putRolePolicy']>[0]) => iam.putRolePolicy(input),
  GetRolePolicy: (iam, input: Parameters<IamService['getRolePolicy']>[0]) => iam.getRolePolicy(input),
  DeleteRolePolicy: (iam, input: Parameters<IamService['deleteRolePolicy']>[0]) => iam.deleteRolePolicy(input),
  ListRolePolicies: (iam, input: Parameters<IamService['listRolePolicies']>[0]) => iam.listRolePolicies(input),
  AttachRolePolicy: (iam, input: Parameters<IamService['attachRolePolicy']>[0]) => iam.attachRolePolicy(input),
  DetachRolePolicy: (iam, input: Parameters<IamService['detachRolePolicy']>[0]) => iam.detachRolePolicy(input),
  ListAttachedRolePolicies: (iam, input: Parameters<IamService['listAttachedRolePolicies']>[0]) => iam.listAttachedRolePolicies(input),
  CreatePolicy: (iam, input: Parameters<IamService['createPolicy']>[0]) => iam.createPolicy(input),
  GetPolicy: (iam, input: Parameters<IamService['getPolicy']>[0]) => iam.getPolicy(input),
  DeletePolicy: (iam, input: Parameters<IamService['deletePolicy']>[0]) => iam.deletePolicy(input),
} satisfies Record<string, Operation>;

type IamAction = keyof typeof IAM_OPERATIONS;

/** An answer of the query endpoint: status and XML body. */
export interface QueryAnswer {
  status: number;
  xml: string;
}

/** Serves one IAM form request; it never throws (every failure is an IAM error answer). */
export type IamQueryHandler = (form: Record<string, string>, requestId: string, onFailure: (error: unknown) => void) => Promise<QueryAnswer>;

function getAction(action: string | undefined): IamAction {
  if (action !== undefined && Object.hasOwn(IAM_OPERATIONS, action)) return action as IamAction;
  throw new IamError('InvalidAction', `lambdock does not support the IAM action ${action ?? '(none)'}.`);
}

/**
 * IAM on the Lambda API's endpoint. `POST /` belongs to the SQS-compatible queue's routes, which hand
 * IAM's requests (see isIamRequest) to this handler: one path, two services, told apart by the signature.
 */
export function createIamQueryHandler(iam: IamService): IamQueryHandler {
  return async (form, requestId, onFailure) => {
    try {
      const action = getAction(form.Action);
      const run = IAM_OPERATIONS[action] as (iam: IamService, input: object) => Promise<object>;
      return { status: 200, xml: renderIamOutput(action, await run(iam, getIamInput(action, form)), requestId) };
    } catch (error) {
      const iamError = error instanceof IamError ? error : serviceFailure(error);
      if (iamError.status >= 500) onFailure(error);
      return { status: iamError.status, xml: renderIamError(iamError, requestId) };
    }
  };
}
