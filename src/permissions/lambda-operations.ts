/**
 * The Lambda API's operations by route (botocore's model, lambda 2015-03-31): the IAM action each one
 * needs. Generated from the model's `http` traits; Invoke and InvokeWithResponseStream need
 * `lambda:InvokeFunction`, as IAM names them.
 */
export interface LambdaOperation {
  method: string;
  /** The route as lambdock's API registers it (`:Param` segments). */
  path: string;
  /** A query parameter that tells two operations of one route apart (`List=ALL`). */
  query?: string;
  action: string;
}

export const LAMBDA_OPERATIONS: readonly LambdaOperation[] = [
  { method: 'POST', path: '/2018-10-31/layers/:LayerName/versions/:VersionNumber/policy', action: 'lambda:AddLayerVersionPermission' },
  { method: 'POST', path: '/2015-03-31/functions/:FunctionName/policy', action: 'lambda:AddPermission' },
  { method: 'POST', path: '/2025-12-01/durable-executions/:DurableExecutionArn/checkpoint', action: 'lambda:CheckpointDurableExecution' },
  { method: 'POST', path: '/2015-03-31/functions/:FunctionName/aliases', action: 'lambda:CreateAlias' },
  { method: 'POST', path: '/2025-11-30/capacity-providers', action: 'lambda:CreateCapacityProvider' },
  { method: 'POST', path: '/2020-04-22/code-signing-configs', action: 'lambda:CreateCodeSigningConfig' },
  { method: 'POST', path: '/2015-03-31/event-source-mappings', action: 'lambda:CreateEventSourceMapping' },
  { method: 'POST', path: '/2015-03-31/functions', action: 'lambda:CreateFunction' },
  { method: 'POST', path: '/2021-10-31/functions/:FunctionName/url', action: 'lambda:CreateFunctionUrlConfig' },
  { method: 'DELETE', path: '/2015-03-31/functions/:FunctionName/aliases/:Name', action: 'lambda:DeleteAlias' },
  { method: 'DELETE', path: '/2025-11-30/capacity-providers/:CapacityProviderName', action: 'lambda:DeleteCapacityProvider' },
  { method: 'DELETE', path: '/2020-04-22/code-signing-configs/:CodeSigningConfigArn', action: 'lambda:DeleteCodeSigningConfig' },
  { method: 'DELETE', path: '/2015-03-31/event-source-mappings/:UUID', action: 'lambda:DeleteEventSourceMapping' },
  { method: 'DELETE', path: '/2015-03-31/functions/:FunctionName', action: 'lambda:DeleteFunction' },
  { method: 'DELETE', path: '/2020-06-30/functions/:FunctionName/code-signing-config', action: 'lambda:DeleteFunctionCodeSigningConfig' },
  { method: 'DELETE', path: '/2017-10-31/functions/:FunctionName/concurrency', action: 'lambda:DeleteFunctionConcurrency' },
  { method: 'DELETE', path: '/2019-09-25/functions/:FunctionName/event-invoke-config', action: 'lambda:DeleteFunctionEventInvokeConfig' },
  { method: 'DELETE', path: '/2021-10-31/functions/:FunctionName/url', action: 'lambda:DeleteFunctionUrlConfig' },
  { method: 'DELETE', path: '/2018-10-31/layers/:LayerName/versions/:VersionNumber', action: 'lambda:DeleteLayerVersion' },
  { method: 'DELETE', path: '/2019-09-30/functions/:FunctionName/provisioned-concurrency', action: 'lambda:DeleteProvisionedConcurrencyConfig' },
  { method: 'GET', path: '/2016-08-19/account-settings', action: 'lambda:GetAccountSettings' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName/aliases/:Name', action: 'lambda:GetAlias' },
  { method: 'GET', path: '/2025-11-30/capacity-providers/:CapacityProviderName', action: 'lambda:GetCapacityProvider' },
  { method: 'GET', path: '/2020-04-22/code-signing-configs/:CodeSigningConfigArn', action: 'lambda:GetCodeSigningConfig' },
  { method: 'GET', path: '/2025-12-01/durable-executions/:DurableExecutionArn', action: 'lambda:GetDurableExecution' },
  { method: 'GET', path: '/2025-12-01/durable-executions/:DurableExecutionArn/history', action: 'lambda:GetDurableExecutionHistory' },
  { method: 'GET', path: '/2025-12-01/durable-executions/:DurableExecutionArn/state', action: 'lambda:GetDurableExecutionState' },
  { method: 'GET', path: '/2015-03-31/event-source-mappings/:UUID', action: 'lambda:GetEventSourceMapping' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName', action: 'lambda:GetFunction' },
  { method: 'GET', path: '/2020-06-30/functions/:FunctionName/code-signing-config', action: 'lambda:GetFunctionCodeSigningConfig' },
  { method: 'GET', path: '/2019-09-30/functions/:FunctionName/concurrency', action: 'lambda:GetFunctionConcurrency' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName/configuration', action: 'lambda:GetFunctionConfiguration' },
  { method: 'GET', path: '/2019-09-25/functions/:FunctionName/event-invoke-config', action: 'lambda:GetFunctionEventInvokeConfig' },
  { method: 'GET', path: '/2024-08-31/functions/:FunctionName/recursion-config', action: 'lambda:GetFunctionRecursionConfig' },
  { method: 'GET', path: '/2025-11-30/functions/:FunctionName/function-scaling-config', action: 'lambda:GetFunctionScalingConfig' },
  { method: 'GET', path: '/2021-10-31/functions/:FunctionName/url', action: 'lambda:GetFunctionUrlConfig' },
  { method: 'GET', path: '/2018-10-31/layers/:LayerName/versions/:VersionNumber', action: 'lambda:GetLayerVersion' },
  { method: 'GET', path: '/2018-10-31/layers', query: 'find=LayerVersion', action: 'lambda:GetLayerVersionByArn' },
  { method: 'GET', path: '/2018-10-31/layers/:LayerName/versions/:VersionNumber/policy', action: 'lambda:GetLayerVersionPolicy' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName/policy', action: 'lambda:GetPolicy' },
  { method: 'GET', path: '/2019-09-30/functions/:FunctionName/provisioned-concurrency', action: 'lambda:GetProvisionedConcurrencyConfig' },
  { method: 'GET', path: '/2021-07-20/functions/:FunctionName/runtime-management-config', action: 'lambda:GetRuntimeManagementConfig' },
  { method: 'POST', path: '/2015-03-31/functions/:FunctionName/invocations', action: 'lambda:InvokeFunction' },
  { method: 'POST', path: '/2014-11-13/functions/:FunctionName/invoke-async', action: 'lambda:InvokeAsync' },
  { method: 'POST', path: '/2021-11-15/functions/:FunctionName/response-streaming-invocations', action: 'lambda:InvokeFunction' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName/aliases', action: 'lambda:ListAliases' },
  { method: 'GET', path: '/2025-11-30/capacity-providers', action: 'lambda:ListCapacityProviders' },
  { method: 'GET', path: '/2020-04-22/code-signing-configs', action: 'lambda:ListCodeSigningConfigs' },
  { method: 'GET', path: '/2025-12-01/functions/:FunctionName/durable-executions', action: 'lambda:ListDurableExecutionsByFunction' },
  { method: 'GET', path: '/2015-03-31/event-source-mappings', action: 'lambda:ListEventSourceMappings' },
  { method: 'GET', path: '/2019-09-25/functions/:FunctionName/event-invoke-config/list', action: 'lambda:ListFunctionEventInvokeConfigs' },
  { method: 'GET', path: '/2021-10-31/functions/:FunctionName/urls', action: 'lambda:ListFunctionUrlConfigs' },
  { method: 'GET', path: '/2025-11-30/capacity-providers/:CapacityProviderName/function-versions', action: 'lambda:ListFunctionVersionsByCapacityProvider' },
  { method: 'GET', path: '/2015-03-31/functions', action: 'lambda:ListFunctions' },
  { method: 'GET', path: '/2020-04-22/code-signing-configs/:CodeSigningConfigArn/functions', action: 'lambda:ListFunctionsByCodeSigningConfig' },
  { method: 'GET', path: '/2018-10-31/layers/:LayerName/versions', action: 'lambda:ListLayerVersions' },
  { method: 'GET', path: '/2018-10-31/layers', action: 'lambda:ListLayers' },
  { method: 'GET', path: '/2019-09-30/functions/:FunctionName/provisioned-concurrency', query: 'List=ALL', action: 'lambda:ListProvisionedConcurrencyConfigs' },
  { method: 'GET', path: '/2017-03-31/tags/:Resource', action: 'lambda:ListTags' },
  { method: 'GET', path: '/2015-03-31/functions/:FunctionName/versions', action: 'lambda:ListVersionsByFunction' },
  { method: 'POST', path: '/2018-10-31/layers/:LayerName/versions', action: 'lambda:PublishLayerVersion' },
  { method: 'POST', path: '/2015-03-31/functions/:FunctionName/versions', action: 'lambda:PublishVersion' },
  { method: 'PUT', path: '/2020-06-30/functions/:FunctionName/code-signing-config', action: 'lambda:PutFunctionCodeSigningConfig' },
  { method: 'PUT', path: '/2017-10-31/functions/:FunctionName/concurrency', action: 'lambda:PutFunctionConcurrency' },
  { method: 'PUT', path: '/2019-09-25/functions/:FunctionName/event-invoke-config', action: 'lambda:PutFunctionEventInvokeConfig' },
  { method: 'PUT', path: '/2024-08-31/functions/:FunctionName/recursion-config', action: 'lambda:PutFunctionRecursionConfig' },
  { method: 'PUT', path: '/2025-11-30/functions/:FunctionName/function-scaling-config', action: 'lambda:PutFunctionScalingConfig' },
  { method: 'PUT', path: '/2019-09-30/functions/:FunctionName/provisioned-concurrency', action: 'lambda:PutProvisionedConcurrencyConfig' },
  { method: 'PUT', path: '/2021-07-20/functions/:FunctionName/runtime-management-config', action: 'lambda:PutRuntimeManagementConfig' },
  { method: 'DELETE', path: '/2018-10-31/layers/:LayerName/versions/:VersionNumber/policy/:StatementId', action: 'lambda:RemoveLayerVersionPermission' },
  { method: 'DELETE', path: '/2015-03-31/functions/:FunctionName/policy/:StatementId', action: 'lambda:RemovePermission' },
  { method: 'POST', path: '/2025-12-01/durable-execution-callbacks/:CallbackId/fail', action: 'lambda:SendDurableExecutionCallbackFailure' },
  { method: 'POST', path: '/2025-12-01/durable-execution-callbacks/:CallbackId/heartbeat', action: 'lambda:SendDurableExecutionCallbackHeartbeat' },
  { method: 'POST', path: '/2025-12-01/durable-execution-callbacks/:CallbackId/succeed', action: 'lambda:SendDurableExecutionCallbackSuccess' },
  { method: 'POST', path: '/2025-12-01/durable-executions/:DurableExecutionArn/stop', action: 'lambda:StopDurableExecution' },
  { method: 'POST', path: '/2017-03-31/tags/:Resource', action: 'lambda:TagResource' },
  { method: 'DELETE', path: '/2017-03-31/tags/:Resource', action: 'lambda:UntagResource' },
  { method: 'PUT', path: '/2015-03-31/functions/:FunctionName/aliases/:Name', action: 'lambda:UpdateAlias' },
  { method: 'PUT', path: '/2025-11-30/capacity-providers/:CapacityProviderName', action: 'lambda:UpdateCapacityProvider' },
  { method: 'PUT', path: '/2020-04-22/code-signing-configs/:CodeSigningConfigArn', action: 'lambda:UpdateCodeSigningConfig' },
  { method: 'PUT', path: '/2015-03-31/event-source-mappings/:UUID', action: 'lambda:UpdateEventSourceMapping' },
  { method: 'PUT', path: '/2015-03-31/functions/:FunctionName/code', action: 'lambda:UpdateFunctionCode' },
  { method: 'PUT', path: '/2015-03-31/functions/:FunctionName/configuration', action: 'lambda:UpdateFunctionConfiguration' },
  { method: 'POST', path: '/2019-09-25/functions/:FunctionName/event-invoke-config', action: 'lambda:UpdateFunctionEventInvokeConfig' },
  { method: 'PUT', path: '/2021-10-31/functions/:FunctionName/url', action: 'lambda:UpdateFunctionUrlConfig' },
];

/** The operation of a matched route (method + registered URL + query), if the model has it. */
export function findLambdaOperation(method: string, routeUrl: string, query: Record<string, unknown> = {}): LambdaOperation | undefined {
  const path = routeUrl.replace(/\/+$/, '');
  const matches = LAMBDA_OPERATIONS.filter((op) => op.method === method && op.path === path);
  return (
    matches.find((op) => op.query !== undefined && query[op.query.split('=')[0] ?? ''] === op.query.split('=')[1]) ??
    matches.find((op) => op.query === undefined)
  );
}
