/**
 * The base images a Dockerfile builds FROM, in order, without duplicates: `scratch` and references to
 * earlier stages (`FROM build AS …` / `FROM build`) are left out. Pure; no ARG substitution, so a base
 * written with `$` comes back as written and the caller decides what to do with it.
 */
export function getDockerfileBaseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const instruction of getInstructions(dockerfile)) {
    const words = instruction.split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    const args = words.slice(1).filter((word) => !word.startsWith('--'));
    const image = args[0];
    if (image === undefined) continue;
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
