/**
 * A stand-in `clojure` executable: checks the argv the step gives the Clojure CLI, records it,
 * and answers the way the generated program does when the real client succeeds, throws an
 * anomaly, or when something else is on PATH under that name.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type StandInAnswer =
  /** The program's result line, after the chatter the JVM and the CLI print. */
  | { kind: 'result'; json: string }
  /** What the program prints when the client throws an anomaly. */
  | { kind: 'anomaly'; category: string; message: string }
  /** What the program prints for an exception that is not an anomaly. */
  | { kind: 'error'; className: string; message: string }
  /** Output that is none of the program's. */
  | { kind: 'garbage' }
  /** What Debian's `clojure` (clojure.main) says to the CLI's -Sdeps. */
  | { kind: 'not-cli' }
  /** Never finishes. */
  | { kind: 'hang' };

const STAND_IN = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const here = path.dirname(fs.realpathSync(process.argv[1]));
const argv = process.argv.slice(2);
fs.writeFileSync(path.join(here, 'argv.json'), JSON.stringify(argv));
fs.writeFileSync(path.join(here, 'aws-profile.json'), JSON.stringify(process.env.AWS_PROFILE ?? null));
fs.writeFileSync(path.join(here, 'aws-access-key.json'), JSON.stringify(process.env.AWS_ACCESS_KEY_ID ?? null));
const answer = JSON.parse(fs.readFileSync(path.join(here, 'answer.json'), 'utf8'));
if (answer.kind === 'not-cli') {
  process.stderr.write('Execution error (FileNotFoundException) at java.io.FileInputStream/open0 (FileInputStream.java:-2).\\n-Sdeps (No such file or directory)\\n');
  process.exit(1);
}
const deps = /^\\{:deps \\{com\\.datomic\\/client-cloud \\{:mvn\\/version "[0-9.]+"\\}\\}\\}$/;
if (argv.length !== 5 || argv[0] !== '-Sdeps' || !deps.test(argv[1]) || argv[2] !== '-M' || argv[3] !== '-e' || !argv[4].startsWith("(require '[datomic.client.api :as d])")) {
  process.stderr.write('stand-in clojure: unexpected argv ' + JSON.stringify(argv) + '\\n');
  process.exit(99);
}
if (answer.kind === 'hang') setInterval(() => {}, 1000);
else if (answer.kind === 'garbage') {
  process.stdout.write('Picked up JAVA_TOOL_OPTIONS: -Xmx1g\\n{:db-name "movies"\\n');
} else if (answer.kind === 'result') {
  process.stdout.write('Downloading: com/datomic/client-cloud/1.0.137/client-cloud-1.0.137.pom from central\\n');
  process.stdout.write('STEPWISE-RESULT ' + answer.json + '\\n');
} else if (answer.kind === 'anomaly') {
  process.stdout.write('STEPWISE-ANOMALY ' + JSON.stringify({ category: answer.category, message: answer.message }) + '\\n');
  process.stderr.write('clojure.lang.ExceptionInfo: ' + answer.message + '\\n\\tat datomic.client.api$administer_system.invokeStatic(api.clj:1)\\n');
  process.exit(1);
} else if (answer.kind === 'error') {
  process.stdout.write('STEPWISE-ERROR ' + JSON.stringify({ class: answer.className, message: answer.message }) + '\\n');
  process.exit(1);
}
`;

export class StandInClojure {
  private constructor(readonly dir: string) {}

  /** Writes the executable `clojure` into `dir`; put `dir` first on PATH to use it. */
  static async create(dir: string): Promise<StandInClojure> {
    const file = path.join(dir, 'clojure');
    await writeFile(file, STAND_IN);
    await chmod(file, 0o755);
    return new StandInClojure(dir);
  }

  async answer(answer: StandInAnswer): Promise<void> {
    await writeFile(path.join(this.dir, 'answer.json'), JSON.stringify(answer));
  }

  /** The AWS_ACCESS_KEY_ID the last call ran with, null for none. */
  async receivedAccessKeyId(): Promise<string | null> {
    return JSON.parse(await readFile(path.join(this.dir, 'aws-access-key.json'), 'utf8')) as string | null;
  }

  /** The AWS_PROFILE the last call ran with, null for none. */
  async receivedAwsProfile(): Promise<string | null> {
    return JSON.parse(await readFile(path.join(this.dir, 'aws-profile.json'), 'utf8')) as string | null;
  }

  /** The arguments of the last call. */
  async receivedArgv(): Promise<string[]> {
    return JSON.parse(await readFile(path.join(this.dir, 'argv.json'), 'utf8')) as string[];
  }
}
