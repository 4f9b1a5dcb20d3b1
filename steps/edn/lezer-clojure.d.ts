// The package ships index.d.ts but its `exports` map has no `types` condition, so NodeNext
// resolution cannot see it; this restates its one export.
declare module '@nextjournal/lezer-clojure' {
  import type { Parser } from '@lezer/common';

  export const parser: Parser;
}
