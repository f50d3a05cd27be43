/** The Redis keys of function metadata, shared by the stores that must touch them atomically. */
export const redisKeys = {
  function: (prefix: string, name: string): string => `${prefix}:function:${name}`,
  functionTags: (prefix: string, name: string): string => `${prefix}:function-tags:${name}`,
  functionIndex: (prefix: string): string => `${prefix}:functions`,
  /** Hash: version number → published version JSON. */
  functionVersions: (prefix: string, name: string): string => `${prefix}:function-versions:${name}`,
  /** The number of the last version published (never reused while the function exists). */
  lastVersion: (prefix: string, name: string): string => `${prefix}:function-last-version:${name}`,
  /** Hash: alias name → alias JSON. */
  functionAliases: (prefix: string, name: string): string => `${prefix}:function-aliases:${name}`,
  /** Hash: qualifier (`$LATEST`, a version, an alias) → its resource-based policy JSON. */
  functionPolicies: (prefix: string, name: string): string => `${prefix}:function-policies:${name}`,
  /** Hash: function name → its reserved concurrency (absent: none reserved). */
  reservedConcurrency: (prefix: string): string => `${prefix}:reserved-concurrency`,
  recursionConfig: (prefix: string): string => `${prefix}:recursion-config`,
  /** Sorted set: the concurrency leases (id → expiry, ms) of one function's invocations in flight. */
  functionLeases: (prefix: string, name: string): string => `${prefix}:leases:function:${name}`,
  /** Sorted set: the leases (id → expiry, ms) taken from the unreserved pool. */
  unreservedLeases: (prefix: string): string => `${prefix}:leases:unreserved`,
  /** Set: what holds the code with this SHA-256 (`function:<name>`, `version:<name>:<n>`, `layer:<layer>:<n>`). */
  codeHolders: (prefix: string, sha256Hex: string): string => `${prefix}:code-holders:${sha256Hex}`,
  codeHoldersPrefix: (prefix: string): string => `${prefix}:code-holders:`,
  /** Hash: layer version number → its JSON (without the number). */
  layerVersions: (prefix: string, layerName: string): string => `${prefix}:layer-versions:${layerName}`,
  /** The number of the last version of a layer published (never reused, even once all its versions are gone). */
  layerLastVersion: (prefix: string, layerName: string): string => `${prefix}:layer-last-version:${layerName}`,
  /** Hash: layer version number → its policy JSON (removed with the version). */
  layerPolicies: (prefix: string, layerName: string): string => `${prefix}:layer-policies:${layerName}`,
  /** Sorted set (lexicographic): the names of layers with at least one version. */
  layerIndex: (prefix: string): string => `${prefix}:layers`,
  /** Hash: the warm registry of one environment key (`<workerId>` → idle environments, `<workerId>:all` → all). */
  warmEnvironments: (prefix: string, keyDigest: string): string => `${prefix}:warm:${keyDigest}`,
};

/** The holder ids of code references: `$LATEST` of a function, each of its published versions, each layer version. */
export const codeHolders = {
  latest: (name: string): string => `function:${name}`,
  versionsPrefix: (name: string): string => `version:${name}:`,
  version: (name: string, version: string): string => `version:${name}:${version}`,
  layerVersionsPrefix: (layerName: string): string => `layer:${layerName}:`,
  layerVersion: (layerName: string, version: number): string => `layer:${layerName}:${version}`,
};
