/** The Redis keys of function metadata, shared by the stores that must touch them atomically. */
export const redisKeys = {
  function: (prefix: string, name: string): string => `${prefix}:function:${name}`,
  functionTags: (prefix: string, name: string): string => `${prefix}:function-tags:${name}`,
  functionIndex: (prefix: string): string => `${prefix}:functions`,
};
