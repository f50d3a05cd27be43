/**
 * The AWS-managed policies lambdock knows, by ARN, with their documents as AWS publishes them (AWS
 * Managed Policy Reference, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html,
 * the default version of each). Roles can attach them; they cannot be created or deleted. The ids and
 * dates are AWS's where lambdock knows them (AWSLambda_FullAccess's id is a stand-in of the same shape).
 */
export interface AwsManagedPolicy {
  policyName: string;
  path: string;
  policyId: string;
  defaultVersionId: string;
  description: string;
  createDate: string;
  updateDate: string;
  document: string;
}

const json = (document: unknown): string => JSON.stringify(document);

const POLICIES: AwsManagedPolicy[] = [
  {
    policyName: 'AWSLambdaBasicExecutionRole',
    path: '/service-role/',
    policyId: 'ANPAJNCQGXC42545SKXIK',
    defaultVersionId: 'v1',
    description: 'Provides write permissions to CloudWatch Logs.',
    createDate: '2015-04-09T15:03:43Z',
    updateDate: '2015-04-09T15:03:43Z',
    document: json({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }],
    }),
  },
  {
    policyName: 'AWSLambdaRole',
    path: '/service-role/',
    policyId: 'ANPAJX4DPCRGTC4NFDUXI',
    defaultVersionId: 'v1',
    description: 'Default policy for AWS Lambda service role.',
    createDate: '2015-02-06T18:41:28Z',
    updateDate: '2015-02-06T18:41:28Z',
    document: json({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ['*'] }] }),
  },
  {
    policyName: 'AWSLambda_FullAccess',
    path: '/',
    policyId: 'ANPAZLAMBDOCKFULLACCESS',
    defaultVersionId: 'v2',
    description: 'Grants full access to AWS Lambda service, AWS Lambda console features, and other related AWS services.',
    createDate: '2020-11-17T21:14:31Z',
    updateDate: '2025-03-17T21:37:00Z',
    document: json({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            'cloudformation:DescribeStacks',
            'cloudformation:ListStackResources',
            'cloudwatch:ListMetrics',
            'cloudwatch:GetMetricData',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeSubnets',
            'ec2:DescribeVpcs',
            'kms:ListAliases',
            'iam:GetPolicy',
            'iam:GetPolicyVersion',
            'iam:GetRole',
            'iam:GetRolePolicy',
            'iam:ListAttachedRolePolicies',
            'iam:ListRolePolicies',
            'iam:ListRoles',
            'lambda:*',
            'logs:DescribeLogGroups',
            'states:DescribeStateMachine',
            'states:ListStateMachines',
            'tag:GetResources',
            'xray:GetTraceSummaries',
            'xray:BatchGetTraces',
          ],
          Resource: '*',
        },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
        {
          Effect: 'Allow',
          Action: ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartLiveTail', 'logs:StopLiveTail'],
          Resource: 'arn:aws:logs:*:*:log-group:/aws/lambda/*',
        },
      ],
    }),
  },
  {
    policyName: 'AmazonSQSFullAccess',
    path: '/',
    policyId: 'ANPAI65L554VRJ33ECQS6',
    defaultVersionId: 'v2',
    description: 'Provides full access to Amazon SQS via the AWS Management Console.',
    createDate: '2015-02-06T18:41:07Z',
    updateDate: '2024-05-24T18:16:00Z',
    document: json({ Version: '2012-10-17', Statement: [{ Sid: 'AmazonSQSFullAccess', Effect: 'Allow', Action: ['sqs:*'], Resource: '*' }] }),
  },
  {
    policyName: 'AdministratorAccess',
    path: '/',
    policyId: 'ANPAIWMBCKSKIEE64ZLYK',
    defaultVersionId: 'v1',
    description: 'Provides full access to AWS services and resources.',
    createDate: '2015-02-06T18:39:46Z',
    updateDate: '2015-02-06T18:39:46Z',
    document: json({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  },
];

/** `arn:aws:iam::aws:policy/<path><name>`. */
export const getAwsManagedPolicyArn = (policy: Pick<AwsManagedPolicy, 'path' | 'policyName'>): string => `arn:aws:iam::aws:policy${policy.path}${policy.policyName}`;

const BY_ARN = new Map(POLICIES.map((p) => [getAwsManagedPolicyArn(p), p]));

/** The AWS-managed policy of that ARN, if lambdock knows it. */
export function getAwsManagedPolicy(arn: string): AwsManagedPolicy | undefined {
  return BY_ARN.get(arn);
}

/** Whether an ARN names an AWS-managed policy (account `aws`), known or not. */
export const isAwsManagedArn = (arn: string): boolean => /^arn:aws:iam::aws:policy\//.test(arn);
