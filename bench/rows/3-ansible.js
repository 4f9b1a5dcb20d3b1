// The same 200 commands as an Ansible playbook on localhost: both as an operator starts them,
// a fresh `stepwise run` process against a fresh `ansible-playbook` process. Debian's ansible is
// installed here when it is missing and this process may (root, apt-get); otherwise the row says
// it was skipped, and the rest of the table stands.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { shellSteps, writeRunbook } from '../lib/engine.js';
import { CLI, compare, findOnPath, inWorkspace, row, runOnce, skippedRow, timeProcess } from '../lib/measure.js';

const COMMANDS = 200;
const WARM_UP_COMMANDS = 5;
const PROGRAM = '/bin/true';
const NAME = `${COMMANDS} commands (${PROGRAM}), stepwise run`;
const BASELINE = 'ansible-playbook, localhost';
/** Ansible takes a tenth of a second or more a task: one timed turn each keeps the table quick. */
const ROUNDS = 1;

export default async function ansibleRows() {
  const ansiblePlaybook = await ensureAnsible();
  if (!ansiblePlaybook) return [skippedRow({ name: NAME, baseline: BASELINE, reason: 'skipped: ansible not installed' })];
  return inWorkspace('ansible', async (folder) => {
    const contenders = (count) => {
      const runbook = writeRunbook(folder, `shell-${count}`, shellSteps(count, PROGRAM));
      const playbook = writePlaybook(folder, count);
      return {
        ansible: () => timeProcess(ansiblePlaybook, ['-i', 'localhost,', playbook], { env: ansibleEnv(folder), cwd: folder }),
        stepwise: () => timeProcess(process.execPath, [CLI, 'run', runbook, '--state-dir', path.join(folder, 'state')], { env: { ...process.env, CI: '1' } }),
      };
    };
    await runOnce(contenders(WARM_UP_COMMANDS));
    const { ansible, stepwise } = await compare(contenders(COMMANDS), ROUNDS, { warmUp: false });
    return [row({ name: NAME, baseline: BASELINE, baselineMs: ansible, measuredMs: stepwise })];
  });
}

/** The path of ansible-playbook, installed with apt-get if missing and possible; else undefined. */
async function ensureAnsible() {
  const found = await findOnPath('ansible-playbook');
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await findOnPath('apt-get'))) {
    process.stderr.write('bench: ansible-playbook is not installed, and installing it takes root and apt-get: the Ansible row is skipped\n');
    return undefined;
  }
  process.stderr.write("bench: ansible-playbook is not installed: installing Debian's ansible (apt-get update; apt-get install -y ansible)\n");
  for (const args of [['update'], ['install', '-y', 'ansible']]) {
    // apt-get's progress goes to stderr: stdout carries only the table
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 2, 2], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) {
      process.stderr.write(`bench: apt-get ${args.join(' ')} exited with ${result.status ?? result.signal}: the Ansible row is skipped\n`);
      return undefined;
    }
  }
  return findOnPath('ansible-playbook');
}

/** One play on localhost without fact gathering: `count` command tasks, as the runbook's steps. */
function writePlaybook(folder, count) {
  const file = path.join(folder, `playbook-${count}.yml`);
  const tasks = Array.from({ length: count }, (_, i) => [`    - name: step-${i + 1}`, `      ansible.builtin.command: ${PROGRAM}`, '      changed_when: false']);
  writeFileSync(file, ['- hosts: localhost', '  connection: local', '  gather_facts: false', '  tasks:', ...tasks.flat(), ''].join('\n'));
  return file;
}

/**
 * Ansible's own files in the workspace, not the user's home; an empty configuration file of its
 * own, so that no ansible.cfg elsewhere changes what is measured; the Python it is packaged for.
 */
function ansibleEnv(folder) {
  writeFileSync(path.join(folder, 'ansible.cfg'), '[defaults]\n');
  return {
    ...process.env,
    ANSIBLE_HOME: path.join(folder, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: path.join(folder, 'ansible-tmp'),
    ANSIBLE_REMOTE_TEMP: path.join(folder, 'ansible-tmp'),
    ANSIBLE_CONFIG: path.join(folder, 'ansible.cfg'),
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_RETRY_FILES_ENABLED: 'false',
    ANSIBLE_NOCOLOR: '1',
  };
}
