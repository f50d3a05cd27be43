/** The Redis keys of lambdock's IAM, all under `<prefix>:iam:`; names are lower-cased (IAM's names ignore case). */
export const iamKeys = {
  /** Sorted set of lower-cased role names (scores 0: ordered by name, for ListRoles' pages). */
  roles: (prefix: string): string => `${prefix}:iam:roles`,
  /** String: the role's record (JSON). */
  role: (prefix: string, name: string): string => `${prefix}:iam:role:${name}`,
  /** Hash: inline policy name → document as put. */
  inline: (prefix: string, name: string): string => `${prefix}:iam:role:${name}:inline`,
  /** Sorted set: attached policy ARNs, scored in attach order. */
  attached: (prefix: string, name: string): string => `${prefix}:iam:role:${name}:attached`,
  /** String: a customer-managed policy's record (JSON). */
  policy: (prefix: string, name: string): string => `${prefix}:iam:policy:${name}`,
  /** Set: the lower-cased names of the roles a policy (by ARN) is attached to. */
  attachments: (prefix: string, policyArn: string): string => `${prefix}:iam:attachments:${policyArn}`,
};
