import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_VERSION } from '../document/runbook-schema.js';
import { UsageError } from '../exit-codes.js';
import { SCHEMA_FILE } from '../document/generated-files.js';
import { ENGINE_VERSION } from '../version.js';
import { StarterPlugin } from './starter-plugin.js';

/** The schema's rule for `name`, checked first so that the file name and the name agree. */
const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

/**
 * `stepwise new NAME`: a runbook that validates as written, for an author to change step by step;
 * with `--plugin [PLUGIN]`, also a typed plugin PLUGIN.ts (NAME-steps.ts) that the runbook uses.
 */
export async function newCommand(name: string, options: { dir: string; plugin?: string | true }): Promise<void> {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(`"${name}" is not a runbook name: use lower case letters, digits and dashes, starting with a letter (such as restart-workers)`);
  }
  const pluginName = options.plugin === true ? `${name}-steps` : options.plugin;
  if (pluginName !== undefined && !NAME_PATTERN.test(pluginName)) {
    throw new UsageError(`"${pluginName}" is not a plugin name: use lower case letters, digits and dashes, starting with a letter (such as deploy-steps)`);
  }
  mkdirSync(options.dir, { recursive: true });
  const file = path.join(options.dir, `${name}.yaml`);
  const files = [file];
  let runbook = starterRunbook(name, schemaReference(options.dir));
  if (pluginName !== undefined) {
    const plugin = new StarterPlugin(pluginName);
    files.push(path.join(options.dir, plugin.file));
    runbook = plugin.addTo(runbook);
    refuseExisting(files);
    writeNew(files[1]!, plugin.source());
  } else {
    refuseExisting(files);
  }
  writeNew(file, runbook);
  process.stdout.write(`${files.map((written) => `wrote ${written}\n`).join('')}  stepwise validate ${file}\n  stepwise plan ${file}\n`);
}

/** Checked before anything is written, so that a refusal leaves no file of the pair behind. */
function refuseExisting(files: string[]): void {
  const existing = files.find((file) => existsSync(file));
  if (existing) throw new UsageError(`${existing} already exists: stepwise new never overwrites a file; choose another name or --dir`);
}

function writeNew(file: string, text: string): void {
  try {
    writeFileSync(file, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${file} already exists: stepwise new never overwrites a file; choose another name or --dir`);
    throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
  }
}

/**
 * Inside this package (its own runbooks and examples) the schema line is relative, so it
 * works in any checkout; elsewhere it names the installed package's copy.
 */
function schemaReference(dir: string): string {
  const root = packageRoot();
  const schema = path.join(root, SCHEMA_FILE);
  const target = realpathSync(path.resolve(dir));
  const relative = path.relative(realpathSync(root), target);
  const inside = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  return inside ? path.relative(target, path.join(realpathSync(root), SCHEMA_FILE)).split(path.sep).join('/') : schema;
}

/** The folder of stepwise's package.json: two levels above this module in source, three in dist/. */
function packageRoot(): string {
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'stepwise') return folder;
    } catch {
      // not this folder: keep going up
    }
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error('cannot find the stepwise package folder above its own code');
    folder = parent;
  }
}

function starterRunbook(name: string, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
apiVersion: ${API_VERSION}
name: ${name}
# Bump it whenever the procedure changes: every run records the version it followed.
version: 0.1.0
description: |
  What this procedure is for, when to run it and what it changes.
  Markdown: \`stepwise docs ${name}.yaml\` renders this page.
requires: { stepwise: ">=${ENGINE_VERSION}" }
params:
  target:
    type: string
    description: What the procedure works on.
    default: world
steps:
  # A read step runs for real in a dry-run (\`stepwise plan\`), so the plan shows the live state.
  - id: look
    name: Look at the target
    type: shell
    with:
      command: [echo, "looking at \${{ params.target }}"]
      effect: read
    outputs:
      seen: stdout
  # Nothing changes before the operator says yes (or the run has --yes).
  - id: confirm
    name: Ask before going on
    type: approve
    with:
      message: "Go on with \${{ params.target }}? The first step saw: \${{ steps.look.outputs.seen }}"
outputs:
  seen: "\${{ steps.look.outputs.seen }}"
`;
}
