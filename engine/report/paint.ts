export interface Painter {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const codes = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;

/** ANSI colours, or none: NO_COLOR, FORCE_COLOR=0, TERM=dumb and pipes get plain text. */
export function paint(enabled: boolean): Painter {
  const style = (name: keyof typeof codes) => (text: string) => (enabled ? `\u001b[${codes[name][0]}m${text}\u001b[${codes[name][1]}m` : text);
  return { bold: style('bold'), dim: style('dim'), red: style('red'), green: style('green'), yellow: style('yellow'), cyan: style('cyan') };
}

/** As Node reads FORCE_COLOR: `0` and `false` turn colour off, any other value turns it on. */
export function colorWanted(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return stream.isTTY === true && !isDumbTerminal(env);
}

/** A terminal that understands no escape sequence: no colour, no cursor movement. */
export function isDumbTerminal(env: NodeJS.ProcessEnv): boolean {
  return env.TERM === 'dumb';
}
