// Step types for Datomic ion projects: a stepwise plugin. It needs nothing from stepwise: each
// step type is a plain object, and `run` returns the JSON value that `outputs:` selectors read.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const ION_CONFIG = 'resources/datomic/ion-config.edn';

const ionConfig = {
  type: 'team.ion-config',
  description: `Read an ion project's ${ION_CONFIG}: the application name and the lambdas it declares.`,
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['project'],
    properties: {
      project: { type: 'string', minLength: 1, description: 'The ion project\'s folder; a relative path is relative to the runbook.' },
    },
  },
  async run(ctx, input) {
    const project = path.resolve(ctx.runbookDir, input.project);
    const file = path.join(project, ION_CONFIG);
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (error.code === 'ENOENT') throw new Error(`${file} does not exist: is ${project} an ion project?`);
      throw new Error(`cannot read ${file}: ${error.message}`);
    }
    const config = readEdnMap(text, file);
    if (typeof config['app-name'] !== 'string') throw new Error(`${file} has no :app-name string; ion-config.edn names its application with :app-name`);
    const lambdas = config.lambdas ?? {};
    if (typeof lambdas !== 'object' || Array.isArray(lambdas) || lambdas === null) throw new Error(`${file}: :lambdas is not a map`);
    ctx.log(`${config['app-name']}: ${Object.keys(lambdas).length} lambda(s) in ${ION_CONFIG}`);
    return { project, file, appName: config['app-name'], lambdas: Object.keys(lambdas) };
  },
};

/** ion-dev answers every op with an EDN map on stdout, such as push's `{:rev "...", ...}`. */
const ionResult = {
  type: 'team.ion-result',
  description: 'Read the EDN map that an ion-dev op (push, deploy, deploy-status) printed, as JSON: `:rev` becomes `rev`, symbols and keywords become strings.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['text', 'op'],
    properties: {
      text: { type: 'string', description: 'What the op printed on stdout.' },
      op: { type: 'string', minLength: 1, description: 'The op that printed it, for messages.' },
    },
  },
  async run(_ctx, input) {
    return readEdnMap(input.text, `the output of ion-dev ${input.op}`);
  },
};

const FINISHED = ['SUCCEEDED', 'FAILED'];

/**
 * One look at a deployment. While it is under way the step fails, so that the runbook's
 * `retry:` polls it; a finished deployment, failed or not, is the result for a later step to judge.
 */
const ionDeployStatus = {
  type: 'team.ion-deploy-status',
  description: 'Ask ion-dev for a deployment\'s status (`{:op :deploy-status}`); fails while it is still running, so that `retry:` polls it until SUCCEEDED or FAILED.',
  effect: 'read',
  input: {
    type: 'object',
    additionalProperties: false,
    required: ['executionArn', 'project'],
    properties: {
      executionArn: { type: 'string', pattern: '^arn:[A-Za-z0-9:/_.+=@-]+$', description: 'The :execution-arn that the deploy op printed.' },
      project: { type: 'string', minLength: 1, description: 'The ion project\'s folder, where `clojure -A:ion-dev` runs.' },
    },
  },
  async run(ctx, input) {
    const op = `{:op :deploy-status :execution-arn ${input.executionArn}}`;
    const printed = await ionDev(op, path.resolve(ctx.runbookDir, input.project), ctx.signal);
    const status = readEdnMap(printed, 'the output of ion-dev deploy-status');
    const overall = status['deploy-status'];
    ctx.progress(`deployment ${overall ?? 'status unknown'} (CodeDeploy: ${status['code-deploy-status'] ?? '?'})`);
    if (!FINISHED.includes(overall)) throw new Error(`the deployment is still ${overall ?? 'starting'}`);
    return status;
  },
};

function ionDev(op, cwd, signal) {
  return new Promise((resolve, reject) => {
    execFile('clojure', ['-A:ion-dev', op], { cwd, signal, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error?.code === 'ENOENT') reject(new Error('clojure is not on PATH: install the Clojure CLI (https://clojure.org/guides/install_clojure)'));
      else if (error?.name === 'AbortError') reject(error);
      else if (error) reject(new Error(`clojure -A:ion-dev '${op}' failed (exit ${error.code}): ${lastLines(stderr || stdout)}`));
      else resolve(stdout);
    });
  });
}

function lastLines(text) {
  return text.trim().split('\n').slice(-5).join('\n');
}

export default [ionConfig, ionResult, ionDeployStatus];

// --- EDN, as much as ion tooling prints and ion-config.edn holds ------------------------------

/** The first map in `text` (tools may print log lines before it), as JSON. */
export function readEdnMap(text, label) {
  const lineStart = /^\{/m.exec(text);
  const start = lineStart ? lineStart.index : text.indexOf('{');
  if (start < 0) throw new Error(`${label} holds no EDN map: ${JSON.stringify(text.slice(0, 200))}`);
  return new EdnReader(text, label, start).read();
}

const NAMED_CHARACTERS = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
const STRING_ESCAPES = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
const TOKEN_END = /[\s,()[\]{}";]/;

class EdnReader {
  constructor(text, label, at) {
    this.text = text;
    this.label = label;
    this.at = at;
  }

  fail(message, at = this.at) {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const col = at - before.lastIndexOf('\n');
    throw new Error(`${this.label}:${line}:${col}: ${message}`);
  }

  skipSpace() {
    while (this.at < this.text.length) {
      const char = this.text[this.at];
      if (/[\s,]/.test(char)) this.at++;
      else if (char === ';') {
        const end = this.text.indexOf('\n', this.at);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (this.text.startsWith('#_', this.at)) {
        this.at += 2;
        this.read();
      } else return;
    }
  }

  read() {
    this.skipSpace();
    if (this.at >= this.text.length) this.fail('the text ends where a value should be');
    const char = this.text[this.at];
    if (char === '{') return this.readMap();
    if (char === '[') return this.readItems(']');
    if (char === '(') return this.readItems(')');
    if (char === '"') return this.readString();
    if (char === '\\') return this.readCharacter();
    if (char === '#') return this.readDispatch();
    if (')]}'.includes(char)) this.fail(`unexpected ${char}`);
    return this.readAtom();
  }

  readMap() {
    const start = this.at++;
    const map = {};
    for (;;) {
      this.skipSpace();
      if (this.at >= this.text.length) this.fail('this map is never closed with }', start);
      if (this.text[this.at] === '}') {
        this.at++;
        return map;
      }
      const keyAt = this.at;
      const key = this.read();
      this.skipSpace();
      if (this.at >= this.text.length) this.fail('this map is never closed with }', start);
      if (this.text[this.at] === '}') this.fail('this key has no value', keyAt);
      map[typeof key === 'string' ? key : JSON.stringify(key)] = this.read();
    }
  }

  readItems(close) {
    const start = this.at++;
    const items = [];
    for (;;) {
      this.skipSpace();
      if (this.at >= this.text.length) this.fail(`this ${this.text[start]} is never closed with ${close}`, start);
      if (this.text[this.at] === close) {
        this.at++;
        return items;
      }
      items.push(this.read());
    }
  }

  readString() {
    const start = this.at++;
    let value = '';
    while (this.at < this.text.length) {
      const char = this.text[this.at++];
      if (char === '"') return value;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = this.text[this.at++];
      if (escaped === 'u') {
        value += String.fromCharCode(parseInt(this.text.slice(this.at, this.at + 4), 16));
        this.at += 4;
      } else if (escaped in STRING_ESCAPES) value += STRING_ESCAPES[escaped];
      else this.fail(`unknown escape \\${escaped} in a string`, this.at - 2);
    }
    return this.fail('this string is never closed with "', start);
  }

  readCharacter() {
    const start = this.at++;
    const name = this.token() || this.text[this.at++];
    if (name.length === 1) return name;
    if (name in NAMED_CHARACTERS) return NAMED_CHARACTERS[name];
    if (/^u[0-9a-fA-F]{4}$/.test(name)) return String.fromCharCode(parseInt(name.slice(1), 16));
    return this.fail(`unknown character \\${name}`, start);
  }

  /** `#{...}` is a set; `#inst "..."` and other tags keep their value as it is. */
  readDispatch() {
    if (this.text[this.at + 1] === '{') {
      this.at++;
      return this.readItems('}');
    }
    this.at++;
    if (!this.token()) this.fail('# must start a set #{...}, a discard #_ or a tag such as #inst');
    return this.read();
  }

  readAtom() {
    const start = this.at;
    const token = this.token();
    if (token === 'nil') return null;
    if (token === 'true' || token === 'false') return token === 'true';
    if (token.startsWith(':')) return token.slice(1);
    if (/^[+-]?\d/.test(token)) {
      const number = Number(token.replace(/[NM]$/, ''));
      if (Number.isNaN(number)) this.fail(`${token} is not a number`, start);
      return number;
    }
    return token;
  }

  token() {
    const start = this.at;
    while (this.at < this.text.length && !TOKEN_END.test(this.text[this.at])) this.at++;
    return this.text.slice(start, this.at);
  }
}
