/** The command that resumes a run, as the operator types it: `stepwise resume ID [--state ...]`. */
export function resumeCommandLine(runId: string, resumeArguments: readonly string[] = []): string {
  return commandLine(['stepwise', 'resume', runId, ...resumeArguments]);
}

/** A command as the operator types it, each word quoted as a shell needs. */
export function commandLine(words: readonly string[]): string {
  return words.map(shellWord).join(' ');
}

/** A word as a shell reads it back: quoted when it holds anything but plain characters (such as `?` in an address). */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
