/**
 * A stand-in `clojure` executable for runbooks that call datomic.administer-system once per
 * database. It refuses any argv the Clojure CLI would not take as `-Sdeps DEPS -M -e PROGRAM`,
 * reads the client map and the administer-system call out of the program, records each call,
 * and prints what the generated program prints when the client returns the map the test chose
 * for that database, or throws an anomaly.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type DatabaseAnswer =
  /** The map administer-system returns, as JSON (the program's printer turns keywords into strings). */
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'anomaly'; category: string; message: string };

/** One call, as the stand-in read it. */
export interface AdministerCall {
  clientVersion: string;
  client: { serverType: string; region: string; system: string; endpoint: string; proxyPort?: number };
  dbName: string;
  action: string;
}

const STAND_IN = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const here = path.dirname(fs.realpathSync(process.argv[1]));
const argv = process.argv.slice(2);
function refuse(problem) {
  process.stderr.write('stand-in clojure: ' + problem + ': ' + JSON.stringify(argv) + '\n');
  process.exit(99);
}
if (argv.length !== 5 || argv[0] !== '-Sdeps' || argv[2] !== '-M' || argv[3] !== '-e') refuse('not -Sdeps DEPS -M -e PROGRAM');
const deps = /^\{:deps \{com\.datomic\/client-cloud \{:mvn\/version "(\d+(?:\.\d+)+)"\}\}\}$/.exec(argv[1]);
if (!deps) refuse('-Sdeps is not a deps map with com.datomic/client-cloud');
const program = argv[4];
if (!program.startsWith("(require '[datomic.client.api :as d])")) refuse('the program does not require datomic.client.api');
const clientMap = /\(d\/client \{([^}]*)\}\)/.exec(program);
const call = /\(d\/administer-system client \{:db-name "((?:[^"\\]|\\.)*)"\s+:action :([a-z-]+)\}\)/.exec(program);
if (!clientMap || !call) refuse('no (d/client {...}) and (d/administer-system client {...}) in the program');
const entry = (key) => new RegExp(':' + key + ' (?:"([^"]*)"|(\\S+))').exec(clientMap[1]);
const text = (key) => entry(key) && (entry(key)[1] ?? entry(key)[2]);
const client = { serverType: text('server-type'), region: text('region'), system: text('system'), endpoint: text('endpoint') };
if (text('proxy-port') !== null) client.proxyPort = Number(text('proxy-port'));
const dbName = JSON.parse('"' + call[1] + '"');
fs.appendFileSync(path.join(here, 'calls.ndjson'), JSON.stringify({ clientVersion: deps[1], client, dbName, action: call[2] }) + '\n');
const answers = JSON.parse(fs.readFileSync(path.join(here, 'answers.json'), 'utf8'));
const answer = answers[dbName] ?? answers['*'];
if (!answer) refuse('no answer for database ' + dbName);
process.stdout.write('Downloading: com/datomic/client-cloud/' + deps[1] + '/client-cloud-' + deps[1] + '.pom from central\n');
if (answer.kind === 'result') {
  process.stdout.write('STEPWISE-RESULT ' + JSON.stringify(answer.result) + '\n');
} else {
  process.stdout.write('STEPWISE-ANOMALY ' + JSON.stringify({ category: answer.category, message: answer.message }) + '\n');
  process.stderr.write('clojure.lang.ExceptionInfo: ' + answer.message + ' {:cognitect.anomalies/category :cognitect.anomalies/' + answer.category + '}\n');
  process.exit(1);
}
`;

export class AdministerSystemClojure {
  private constructor(readonly dir: string) {}

  /** Writes the executable `clojure` into `dir`; put `dir` first on PATH to use it. */
  static async create(dir: string): Promise<AdministerSystemClojure> {
    const file = path.join(dir, 'clojure');
    await writeFile(file, STAND_IN);
    await chmod(file, 0o755);
    const standIn = new AdministerSystemClojure(dir);
    await standIn.answer({});
    return standIn;
  }

  /**
   * What each database's call answers from now on (`*`: any database without its own answer); a
   * database without an answer is refused. Forgets the calls so far.
   */
  async answer(answers: Record<string, DatabaseAnswer>): Promise<void> {
    await writeFile(path.join(this.dir, 'answers.json'), JSON.stringify(answers));
    await writeFile(path.join(this.dir, 'calls.ndjson'), '');
  }

  async calls(): Promise<AdministerCall[]> {
    const text = await readFile(path.join(this.dir, 'calls.ndjson'), 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AdministerCall);
  }
}
