import type { OutputFormat } from './output-format.js';

/** The options of the commands as commander parses them, shared by engine/cli.ts and the commands. */

/** Where runs are kept, when the command line says (engine/cli/open-state.ts decides otherwise). */
export interface StateCliOptions {
  state?: string;
  stateDir?: string;
}

export interface RunCliOptions extends StateCliOptions {
  param: string[];
  yes?: boolean;
  json?: boolean;
  dryRun?: boolean;
  format?: OutputFormat;
  /** `plan --out PLAN`: where the plan file goes. */
  out?: string;
}
