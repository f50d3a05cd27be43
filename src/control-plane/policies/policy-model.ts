/** Who a statement lets in: `*`, a service (`s3.amazonaws.com`), or an account or IAM identity (by ARN). */
export type PolicyPrincipal = '*' | { Service: string } | { AWS: string };

/** The condition blocks AddPermission writes: operator → key → value. */
export type PolicyCondition = Partial<Record<'StringEquals' | 'ArnLike' | 'Bool', Record<string, string>>>;

/** One statement of a resource-based policy, with AWS's members in AWS's order. */
export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Principal: PolicyPrincipal;
  Action: string;
  Resource: string;
  Condition?: PolicyCondition;
}

/** The document GetPolicy returns (as a JSON string). */
export interface PolicyDocument {
  Version: '2012-10-17';
  Id: 'default';
  Statement: PolicyStatement[];
}

/**
 * A resource-based policy as stored: one qualifier's of a function (`$LATEST`, a version or an alias), or
 * one layer version's. Its RevisionId is its own: AWS gives every change of a policy a new one, unrelated
 * to the function's (recorded from AWS: publishing a version leaves the policy's RevisionId as it was).
 */
export interface PolicyRecord {
  revisionId: string;
  statements: PolicyStatement[];
}

export function buildPolicyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Id: 'default', Statement: [...statements] };
}
