import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { AliasService } from '../control-plane/aliases/alias-service.js';
import type { CodeStore } from '../control-plane/code/code-store.js';
import type { ProvisionedConcurrencyService } from '../control-plane/concurrency/provisioned-concurrency-service.js';
import type { ReservedConcurrencyService } from '../control-plane/concurrency/reserved-concurrency-service.js';
import type { EventInvokeConfigService } from '../control-plane/event-invoke-config/event-invoke-config-service.js';
import type { FunctionService } from '../control-plane/function-service.js';
import type { LayerPolicyService } from '../control-plane/layers/layer-policy-service.js';
import type { LayerService } from '../control-plane/layers/layer-service.js';
import type { RecursionConfigService } from '../control-plane/recursion/recursion-config.js';
import type { FunctionPolicyService } from '../control-plane/policies/function-policy-service.js';
import type { TagService } from '../control-plane/tag-service.js';
import { UnconfiguredResources } from '../control-plane/unconfigured-resources.js';
import type { InvokeService } from '../invocation/invoke-service.js';
import type { IamService } from '../iam/iam-service.js';
import type { QueueService } from '../queues/queue-service.js';
import type { RequestAuthenticator } from '../permissions/sigv4/request-authenticator.js';
import { getCaller, registerAuthentication } from './authentication.js';
import type { CallDescription } from '../permissions/call-authorizer.js';
import type { VerifiedCaller } from '../permissions/sigv4/verify-sigv4.js';
import { renderLambdaError, toLambdaError, type OperationConfig } from './aws-errors.js';
import { MAX_PARAM_LENGTH, getFrameworkError, handleClientError, unknownOperation } from './edge-errors.js';
import { accountRoutes } from './routes/account/index.js';
import { aliasRoutes } from './routes/aliases/index.js';
import { CODE_PATH, codeRoutes } from './routes/code/index.js';
import { concurrencyRoutes } from './routes/concurrency/index.js';
import { eventInvokeConfigRoutes } from './routes/event-invoke-config/index.js';
import { functionSubresourceRoutes } from './routes/function-subresources/index.js';
import { REQUEST_LIMIT, functionRoutes } from './routes/functions/index.js';
import { createIamQueryHandler } from './routes/iam/index.js';
import { healthRoutes, type HealthCheck } from './routes/health/index.js';
import { invocationRoutes } from './routes/invocations/index.js';
import { layerRoutes } from './routes/layers/index.js';
import { recursionRoutes } from './routes/recursion/index.js';
import { policyRoutes } from './routes/policies/index.js';
import { layerPolicyRoutes } from './routes/policies/layer-policies.js';
import { sqsRoutes } from './routes/sqs/index.js';
import { tagRoutes } from './routes/tags/index.js';
import { versionRoutes } from './routes/versions/index.js';

export interface ApiDeps {
  functions: FunctionService;
  layers: LayerService;
  aliases: AliasService;
  tags: TagService;
  invoker: InvokeService;
  code: CodeStore;
  health: HealthCheck;
  concurrency: ReservedConcurrencyService;
  provisioned: ProvisionedConcurrencyService;
  eventInvokeConfigs: EventInvokeConfigService;
  recursion: RecursionConfigService;
  /** The resource-based policies of functions (AddPermission, RemovePermission, GetPolicy). */
  policies: FunctionPolicyService;
  /** The policies of layer versions (Add/RemoveLayerVersionPermission, GetLayerVersionPolicy). */
  layerPolicies: LayerPolicyService;
  /** The SQS-compatible queue, served on the same endpoint (absent: no queue routes). */
  queues?: QueueService;
  /** IAM (roles and policies) on the same endpoint's `POST /`, beside the queue (absent: not served). */
  iam?: IamService;
  logger: Logger | false;
  /** Deadline of every request but Invoke (which has its function's timeout): past it, a 500 ServiceException. */
  requestTimeoutMs?: number;
  /** Who may call (LAMBDOCK_AUTH=sigv4): every route but /health and the code downloads; absent, anyone. */
  authenticator?: RequestAuthenticator;
  /**
   * Decides, once a request's signature is checked, whether its caller may make it (AccessDeniedException
   * otherwise). Absent: any authenticated caller may call anything.
   */
  authorize?: (caller: VerifiedCaller, call: CallDescription) => Promise<void>;
  /** lambdock's endpoint for sandboxes: no code downloads and no IAM (a function reaches only what it runs with). */
  forSandboxes?: boolean;
}

const REQUEST_TIMEOUT_DEFAULT_MS = 30_000;


/** The Lambda REST-JSON API (and the SQS-compatible queue beside it). Errors leave in AWS's shape, whatever raised them. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger === false ? { logger: false } : { loggerInstance: deps.logger as unknown as FastifyBaseLogger }),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: REQUEST_LIMIT,
    handlerTimeout: deps.requestTimeoutMs ?? REQUEST_TIMEOUT_DEFAULT_MS,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error, request, reply) => {
      const rendered = renderLambdaError(getFrameworkError(error, request.url));
      void (reply as unknown as FastifyReply)
        .code(rendered.status)
        .headers({ ...rendered.headers, 'x-amzn-requestid': request.id })
        .send(rendered.body);
    },
    clientErrorHandler: handleClientError,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, verbose: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-amzn-requestid', request.id);
  });
  if (deps.authenticator !== undefined) registerAuthentication(app, deps.authenticator);
  const authorize = deps.authorize;
  if (authorize !== undefined) {
    app.addHook('preHandler', async (request) => {
      const caller = getCaller(request);
      if (caller === undefined) return;
      await authorize(caller, {
        method: request.method,
        route: request.routeOptions.url ?? request.url,
        params: (request.params ?? {}) as Record<string, string | undefined>,
        query: (request.query ?? {}) as Record<string, unknown>,
        headers: request.headers,
        body: request.body,
        signingService: caller.service,
      });
    });
  }

  app.setErrorHandler((error, request, reply) => {
    const config = request.routeOptions.config as Partial<OperationConfig> | undefined;
    const lambdaError = toLambdaError(error, config?.operation === undefined ? undefined : (config as OperationConfig));
    if (lambdaError.status >= 500) request.log.error({ err: error, requestId: request.id }, 'Request failed');
    const rendered = renderLambdaError(lambdaError);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const rendered = renderLambdaError(unknownOperation(request.method, request.url));
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  void app.register(healthRoutes, { check: deps.health });
  const codeLocation = (sha: string, host: string | undefined) => `http://${host ?? 'localhost'}${CODE_PATH}/${sha}.zip`;
  void app.register(functionRoutes, {
    functions: deps.functions,
    fetchTags: (name) => deps.tags.fetchFunctionTags(name),
    fetchReservedConcurrency: (name) => deps.concurrency.get(name),
    codeLocation,
  });
  void app.register(layerRoutes, { layers: deps.layers, codeLocation });
  void app.register(versionRoutes, { functions: deps.functions });
  void app.register(aliasRoutes, { aliases: deps.aliases, scope: deps.functions.scope });
  void app.register(tagRoutes, { tags: deps.tags });
  void app.register(concurrencyRoutes, { concurrency: deps.concurrency, provisioned: deps.provisioned });
  void app.register(eventInvokeConfigRoutes, { eventInvokeConfigs: deps.eventInvokeConfigs });
  void app.register(policyRoutes, { policies: deps.policies });
  void app.register(layerPolicyRoutes, { layerPolicies: deps.layerPolicies });
  void app.register(functionSubresourceRoutes, { resources: new UnconfiguredResources(deps.functions) });
  void app.register(invocationRoutes, { invoker: deps.invoker });
  void app.register(recursionRoutes, { recursion: deps.recursion });
  void app.register(accountRoutes, { functions: deps.functions, layers: deps.layers, concurrency: deps.concurrency });
  if (deps.forSandboxes !== true) void app.register(codeRoutes, { code: deps.code });
  if (deps.queues !== undefined) {
    void app.register(sqsRoutes, {
      queues: deps.queues,
      requestTimeoutMs: deps.requestTimeoutMs ?? REQUEST_TIMEOUT_DEFAULT_MS,
      ...(deps.iam === undefined || deps.forSandboxes === true ? {} : { iam: createIamQueryHandler(deps.iam) }),
    });
  }
  return app;
}
