/**
 * Whether a question on the terminal ended because the operator pressed Ctrl-C: the prompt
 * library (@inquirer) reads it as a key in raw mode and rejects with an ExitPromptError, where
 * a program without a prompt would have received SIGINT.
 */
export function isCtrlCAtPrompt(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}
