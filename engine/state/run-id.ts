/**
 * A run id names a folder or a prefix: letters, digits, dots, dashes and underscores, with at
 * least one letter or digit, so that `.` and `..` can never reach outside the run's own folder.
 */
const RUN_ID = /^[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}
