/**
 * The base images a Dockerfile builds FROM, in order, without duplicates: `scratch` and references to
 * earlier stages (`FROM build AS …` / `FROM build`) are left out. Pure. `$NAME` / `${NAME}` in FROM
 * are replaced from `buildArgs`, else from the defaults of `ARG`s declared before the first FROM (as
 * Docker does); a variable neither gives comes back as written and the caller decides what to do.
 */
export function getDockerfileBaseImages(dockerfile: string, buildArgs: Readonly<Record<string, string>> = {}): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  const globalArgs = new Map<string, string>();
  let seenFrom = false;
  for (const instruction of getInstructions(dockerfile)) {
    const words = instruction.split(/\s+/);
    const keyword = words[0]?.toUpperCase();
    if (keyword === 'ARG' && !seenFrom) {
      const [name, value] = (words[1] ?? '').split(/=(.*)/s);
      if (name !== undefined && name !== '') globalArgs.set(name, buildArgs[name] ?? value ?? '');
      continue;
    }
    if (keyword !== 'FROM') continue;
    seenFrom = true;
    const args = words.slice(1).filter((word) => !word.startsWith('--'));
    const written = args[0];
    if (written === undefined) continue;
    const image = written.replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      return globalArgs.get(name) ?? match;
    });
    if (args[1]?.toUpperCase() === 'AS' && args[2] !== undefined) stages.add(args[2].toLowerCase());
    if (image.toLowerCase() === 'scratch' || stages.has(image.toLowerCase())) continue;
    if (!bases.includes(image)) bases.push(image);
  }
  return bases;
}

/** Instructions with comments dropped and backslash continuations joined. */
function getInstructions(dockerfile: string): string[] {
  const instructions: string[] = [];
  let current = '';
  for (const rawLine of dockerfile.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    instructions.push((current + line).trim());
    current = '';
  }
  if (current.trim() !== '') instructions.push(current.trim());
  return instructions;
}
