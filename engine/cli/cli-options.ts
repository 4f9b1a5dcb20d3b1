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
  /** At an approval others must give: stop at once (exit 3) rather than wait for them. */
  wait?: boolean;
  format?: OutputFormat;
  /** `plan --out PLAN`: where the plan file goes. */
  out?: string;
}

export interface ApproveCliOptions extends StateCliOptions {
  step?: string;
  reject?: boolean;
  reason?: string;
}
