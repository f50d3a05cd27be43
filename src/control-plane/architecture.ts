/** A function's instruction set architecture, as the Lambda API names it. */
export type Architecture = 'x86_64' | 'arm64';
