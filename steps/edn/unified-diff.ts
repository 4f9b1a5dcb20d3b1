import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/** A unified diff of the edit, as `diff -u` prints it; a created file diffs against /dev/null. */
export function unifiedDiff(label: string, before: string | undefined, after: string): string {
  const oldName = before === undefined ? '/dev/null' : label;
  return createTwoFilesPatch(oldName, label, before ?? '', after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
