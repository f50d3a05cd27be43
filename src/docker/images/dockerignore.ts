/**
 * A .dockerignore as the Docker CLI reads it, for the patterns lambdock's own uses: one pattern a line,
 * `#` comments, `*` within a path segment, `**` across segments, `!` to take a path back, the last
 * matching line winning. A pattern that matches a folder leaves out everything in it. Pure.
 */
export function parseDockerignore(text: string): (relativePath: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      return { negated, matches: toMatcher(pattern) };
    });
  return (relativePath) => {
    const segments = relativePath.split('/');
    // The path itself or any folder above it.
    const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let ignored = false;
    for (const rule of rules) if (candidates.some(rule.matches)) ignored = !rule.negated;
    return ignored;
  };
}

function toMatcher(pattern: string): (path: string) => boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      // `**/` matches no folder or any number of them; a trailing `**` anything.
      const slash = pattern[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}
