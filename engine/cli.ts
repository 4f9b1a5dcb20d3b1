#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, UsageError } from './exit-codes.js';
import { builtInIdentityDescription, builtInSettingsBlocks } from './cli/builtins.js';
import { describeFailure, handleFailure } from './cli/handle-failure.js';
import { addSettingOptions } from './cli/setting-options.js';
import { outliveTerminal } from './cli/outlive-terminal.js';
import { tolerateClosedOutput } from './cli/tolerate-closed-output.js';
import { ENGINE_VERSION } from './version.js';
import type { ApproveCliOptions, RunCliOptions, StateCliOptions } from './cli/cli-options.js';
import { OUTPUT_FORMATS, type OutputFormat } from './cli/output-format.js';

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    a step failed (discard: something the plan kept could not be removed)
  2    invalid input or usage (runbook, parameters, arguments, a plan file), a stale plan
       (apply: what it was made from or against changed, or it was applied or discarded),
       a plan discard refuses (applied or being applied), or runs that cannot be reached:
       a run another process drives, a missing bucket or state folder, access denied
  3    stopped at an approval: rejected, not decided within its timeout, or
       waiting for others' approval with --no-wait (resume once approved)
  4    the run's record could not be written (a full disk): the run stopped there
       and can be resumed once there is room
  129  the terminal hung up (SIGHUP); the run can be resumed
  130  interrupted (Ctrl-C, SIGTERM, Ctrl-C at a question); the run can be resumed
  131  quit (Ctrl-\\, SIGQUIT); the run can be resumed

Documentation: README.md and docs/ in the stepwise package.`;

const collect = (value: string, previous: string[]) => [...previous, value];

const STATE_HELP = 'where runs are kept: s3://bucket/prefix for a team, or a folder (default: STEPWISE_STATE, then state: in stepwise.config.yaml, then .stepwise)';
const STATE_DIR_HELP = 'where runs are kept on this machine (same as --state DIR)';

const formatOption = (markdown: string) => new Option('--format <format>', `text (default) or markdown: ${markdown}; not with --json`).choices(OUTPUT_FORMATS);

const stateOptions = (command: Command) => command.option('--state <address>', STATE_HELP).option('--state-dir <dir>', STATE_DIR_HELP);

function buildProgram(): Command {
  const program = new Command()
    .name('stepwise')
    .description('Validate, dry-run, run and resume declarative YAML runbooks.')
    .version(ENGINE_VERSION)
    .showHelpAfterError('(run stepwise --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();

  // where runs are kept, because validate warns when a changed runbook keeps the version its last run used
  stateOptions(program.command('validate'))
    .description('check runbooks against the schema and their expressions (exit 0 valid, 2 invalid)')
    .argument('<files...>', 'runbook files')
    .option('--json', 'print every file\'s verdict and located problems as one JSON document on stdout')
    .action(async (files: string[], options: StateCliOptions & { json?: boolean }) => (await import('./cli/validate-command.js')).validateCommand(files, options));

  const planOptions = (command: Command) =>
    command
      .argument('<file>', 'runbook file')
      .option('-p, --param <key=value>', 'a parameter; the value is read as YAML for non-string params (repeatable)', collect, [])
      .option('--json', 'print the result as one JSON document on stdout (progress goes to stderr)')
      .addOption(formatOption('with markdown, a dry-run prints a page for a pull request or a change ticket on stdout (progress goes to stderr)'));

  // the options of the step families' settings blocks, which win over the runbook's
  const settingOptions = (command: Command, sayWhich: boolean) => addSettingOptions(command, builtInSettingsBlocks(), { sayWhich });

  stateOptions(settingOptions(planOptions(program.command('run').description('run a runbook')), true))
    .option('--yes', 'answer yes to confirmations, and to approvals the operator may give')
    .option('--no-wait', 'at an approval others must give, record that the run waits and stop (exit 3) rather than wait')
    .option('--dry-run', 'read steps run, write steps only say what they would change')
    .action(async (file: string, options: RunCliOptions) => (await import('./cli/run-command.js')).runCommand(file, options));

  // Accepted so that `plan` and `run --dry-run` take the same arguments, but not offered:
  // a plan asks nothing and records nothing, so these change nothing.
  settingOptions(planOptions(program.command('plan').description('same as run --dry-run: show what a run would change, changing nothing')), true)
    .option('--out <plan>', 'also write the plan to this file, for `stepwise apply` to carry out exactly (mode 0600, no secret in it)')
    .addOption(new Option('--yes').hideHelp())
    .addOption(new Option('--state <address>').hideHelp())
    .addOption(new Option('--state-dir <dir>').hideHelp())
    .action(async (file: string, options: RunCliOptions) => (await import('./cli/run-command.js')).runCommand(file, { ...options, dryRun: true }));

  stateOptions(program.command('apply'))
    .description('carry out a plan file that `plan --out` wrote, exactly as reviewed: refused as stale (exit 2, nothing written) when anything it was made from or against changed')
    .argument('<plan>', 'the plan file')
    .option('--yes', 'answer yes to approvals and confirmations')
    .option('--no-wait', 'at an approval others must give, record that the run waits and stop (exit 3) rather than wait')
    .option('--json', 'print the result as one JSON document on stdout (progress goes to stderr)')
    .action(async (plan: string, options: StateCliOptions & { yes?: boolean; wait?: boolean; json?: boolean }) => (await import('./cli/apply-command.js')).applyCommand(plan, options));

  stateOptions(program.command('discard'))
    .description('remove what a plan file kept outside itself (such as change sets), for a plan that will not be applied; apply refuses it afterwards. Refused (exit 2) for a plan applied already or being applied; exit 1 when something could not be removed')
    .argument('<plan>', 'the plan file')
    .option('--json', 'print what was removed as one JSON document on stdout')
    .action(async (plan: string, options: StateCliOptions & { json?: boolean }) => (await import('./cli/discard-command.js')).discardCommand(plan, options));

  const resume = stateOptions(program.command('resume'))
    .description('resume a failed or interrupted run: steps up to the last change are restored (a finished write never runs again), the reads after it run again')
    .argument('<run-id>', 'the run, as `stepwise runs` lists it')
    .option('--from <step>', 'run again from this step on (parent/child: a step of a sub-runbook)')
    .option('--yes', 'answer yes to approvals the operator may give, and to re-running a write step that was in flight')
    .option('--no-wait', 'at an approval others must give, record that the run waits and stop (exit 3) rather than wait')
    .option('--allow-changed', 'resume even though the runbook changed since the run started')
    .option('--json', 'print the result as one JSON document on stdout')
    .option('--runbook <file>', 'the runbook file, when it is not where the run started (a run started on another machine)');
  settingOptions(resume, false)
    .action(async (runId: string, options: ResumeOptions) => (await import('./cli/resume-command.js')).resumeCommand(runId, options));

  stateOptions(program.command('approve'))
    .summary('approve (or reject) a run that waits at an approval, from anywhere that reaches its state')
    .description(`approve (or reject) a run that waits at an approval, from anywhere that reaches its state; the decision is recorded under your identity: ${builtInIdentityDescription()}`)
    .argument('<run-id>', 'the run, as `stepwise runs` lists it')
    .option('--step <id>', 'the approve step the run waits at; refused when it waits elsewhere')
    .option('--reject', 'reject: the run stops (exit 3); needs --reason')
    .option('--reason <text>', 'why, recorded with the decision')
    .action(async (runId: string, options: ApproveCliOptions) => (await import('./cli/approve-command.js')).approveCommand(runId, options));

  stateOptions(program.command('runs').description('list past runs, and runs waiting at an approval, with their status').option('--json', 'as JSON'))
    .action(async (options: StateCliOptions & { json?: boolean }) => (await import('./cli/runs-command.js')).runsCommand(options));

  stateOptions(program.command('show').description('a run\'s timeline: each step\'s status, duration, outputs and error, and every decision at its approvals').argument('<run-id>', 'the run').option('--json', 'as JSON'))
    .addOption(formatOption('with markdown, the run as a page for a change ticket'))
    .action(async (runId: string, options: StateCliOptions & { json?: boolean; format?: OutputFormat }) => (await import('./cli/show-command.js')).showCommand(runId, options));

  program
    .command('steps')
    .description('list the step types, or show one type\'s inputs')
    .argument('[type]', 'a step type')
    .action(async (type?: string) => (await import('./cli/steps-command.js')).stepsCommand(type));

  program
    .command('docs')
    .description('render a runbook as Markdown')
    .argument('<file>', 'runbook file')
    .action(async (file: string) => (await import('./cli/docs-command.js')).docsCommand(file));

  program
    .command('new')
    .description('write a starter runbook NAME.yaml that validates, with the schema line editors use (with --plugin, a typed plugin it uses)')
    .argument('<name>', 'the runbook\'s name: lower case letters, digits and dashes, starting with a letter')
    .option('--dir <dir>', 'the folder to write it in', '.')
    .option('--plugin [plugin]', 'also write a typed plugin PLUGIN.ts (default NAME-steps.ts) that the runbook uses')
    .action(async (name: string, options: { dir: string; plugin?: string | true }) => (await import('./cli/new-command.js')).newCommand(name, options));

  program
    .command('schema')
    .description('print the JSON Schema of runbooks, with every built-in step type\'s input (for editors)')
    .action(async () => (await import('./cli/schema-command.js')).schemaCommand());

  return program;
}

type ResumeOptions = Omit<RunCliOptions, 'param' | 'dryRun'> & { from?: string; allowChanged?: boolean; runbook?: string };

async function main(argv: string[]): Promise<void> {
  tolerateClosedOutput();
  outliveTerminal();
  const program = buildProgram();
  let json = false;
  program.hook('preAction', (_program, action) => {
    json = (action.opts() as { json?: boolean }).json === true;
  });
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      const clean = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help';
      process.exitCode = clean ? ExitCode.success : ExitCode.invalidInput;
      // commander has said why on stderr; arguments it refused never reach an action to read --json
      if (!clean && argv.includes('--json')) writeJson(describeFailure(new UsageError(error.message.replace(/^error: /, ''))));
      return;
    }
    process.exitCode = handleFailure(error, { json });
  }
}

function writeJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

await main(process.argv);
