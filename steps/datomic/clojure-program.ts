/**
 * The Clojure program that datomic.administer-system runs, and the reading of what it prints.
 *
 * The program prints its outcome as JSON it builds itself, on one line after a marker, so
 * that Node reads it with JSON.parse and the command line needs no library beyond
 * com.datomic/client-cloud (an EDN reader on the Node side would have to be a runtime
 * dependency; a JSON library on the Clojure side another download per run). The printer
 * escapes every character outside printable ASCII, so the line survives a JVM whose
 * stdout encoding is not UTF-8 (a container with the POSIX locale).
 */
import type { JsonValue } from '../../engine/json.js';

const RESULT_MARKER = 'STEPWISE-RESULT';
const ANOMALY_MARKER = 'STEPWISE-ANOMALY';
const ERROR_MARKER = 'STEPWISE-ERROR';

export type AdministerAction = 'upgrade-schema';

/** Only known actions reach the program, each as the keyword the client API takes. */
const ACTION_KEYWORDS: Readonly<Record<AdministerAction, string>> = { 'upgrade-schema': ':upgrade-schema' };

export interface ProgramOptions {
  system: string;
  region: string;
  dbName: string;
  action: AdministerAction;
  /** Exactly one of `endpoint` and `proxyPort`. */
  connection: { endpoint: string } | { proxyPort: number };
}

/**
 * `value` as an EDN (and Clojure) string literal. Quotes and backslashes are escaped, and
 * every character outside printable ASCII becomes a \uXXXX escape, so that no value can end
 * the literal early and the program text stays ASCII whatever the locale.
 */
export function ednString(value: string): string {
  let literal = '"';
  for (let index = 0; index < value.length; index++) {
    const char = value[index]!;
    const code = value.charCodeAt(index);
    if (char === '"' || char === '\\') literal += `\\${char}`;
    else if (char === '\n') literal += '\\n';
    else if (char === '\r') literal += '\\r';
    else if (char === '\t') literal += '\\t';
    else if (code < 0x20 || code > 0x7e) literal += `\\u${code.toString(16).padStart(4, '0')}`;
    else literal += char;
  }
  return `${literal}"`;
}

/** The -Sdeps map that puts the client library on the classpath. */
export function depsMap(clientVersion: string): string {
  return `{:deps {com.datomic/client-cloud {:mvn/version ${ednString(clientVersion)}}}}`;
}

/**
 * The endpoint of a legacy system as the client reaches it through the SOCKS proxy of
 * `datomic client access`: the proxy resolves this name inside the system's VPC.
 */
export function legacyEndpoint(system: string, region: string): string {
  return `http://entry.${system}.${region}.datomic.net:8182/`;
}

function clientMap(options: ProgramOptions): string {
  const entries = [
    ':server-type :cloud',
    `:region ${ednString(options.region)}`,
    `:system ${ednString(options.system)}`,
  ];
  if ('endpoint' in options.connection) {
    entries.push(`:endpoint ${ednString(options.connection.endpoint)}`);
  } else {
    if (!Number.isInteger(options.connection.proxyPort)) throw new TypeError(`proxyPort ${options.connection.proxyPort} is not an integer`);
    entries.push(`:endpoint ${ednString(legacyEndpoint(options.system, options.region))}`);
    entries.push(`:proxy-port ${options.connection.proxyPort}`);
  }
  return `{${entries.join(' ')}}`;
}

/**
 * Turns any value the client API returns into JSON text: keywords lose their colon, sets
 * become lists, instants become ISO-8601 strings, and numbers JSON cannot hold exactly
 * (integers beyond 2^53, ratios, decimals, NaN) become strings.
 */
const JSON_PRINTER = String.raw`(letfn [(json-string [s]
          (let [out (StringBuilder. "\"")]
            (doseq [c (str s)]
              (let [code (int c)]
                (cond
                  (= c \") (.append out "\\\"")
                  (= c \\) (.append out "\\\\")
                  (or (< code 32) (> code 126)) (.append out (format "\\u%04x" code))
                  :else (.append out c))))
            (str (.append out "\""))))
        (json-name [k] (json-string (if (keyword? k) (subs (str k) 1) (str k))))
        (json [x]
          (cond
            (nil? x) "null"
            (boolean? x) (str x)
            (integer? x) (if (<= -9007199254740991 x 9007199254740991) (str x) (json-string x))
            (and (float? x) (not (Double/isNaN x)) (not (Double/isInfinite x))) (str x)
            (keyword? x) (json-name x)
            (map? x) (str "{" (apply str (interpose "," (map (fn [[k v]] (str (json-name k) ":" (json v))) x))) "}")
            (or (sequential? x) (set? x)) (str "[" (apply str (interpose "," (map json x))) "]")
            (instance? java.util.Date x) (json-string (.toInstant ^java.util.Date x))
            :else (json-string x)))
        (report [marker value]
          (println marker (json value))
          (flush))]`;

/**
 * The program for `clojure -M -e`, on one line, so that a plan shows its exact command line
 * compactly. It exits through System/exit because the client leaves non-daemon threads
 * running, which would keep the JVM alive after the last form.
 */
export function administerSystemProgram(options: ProgramOptions): string {
  return onOneLine(readableProgram(options));
}

/**
 * Clojure text with every run of whitespace outside string literals made one space, and none
 * kept inside brackets. A backslash outside a string starts a character literal (`\"`), inside
 * one an escape: the character after it is copied as it is.
 */
export function onOneLine(program: string): string {
  let out = '';
  let inString = false;
  let space = false;
  for (let index = 0; index < program.length; index++) {
    const char = program[index]!;
    if (inString) {
      out += char;
      if (char === '\\') out += program[++index] ?? '';
      else if (char === '"') inString = false;
      continue;
    }
    if (/\s/.test(char)) {
      space = true;
      continue;
    }
    if (space && out !== '' && !'([{'.includes(out.at(-1)!) && !')]}'.includes(char)) out += ' ';
    space = false;
    out += char;
    if (char === '\\') out += program[++index] ?? '';
    else if (char === '"') inString = true;
  }
  return out;
}

function readableProgram(options: ProgramOptions): string {
  return `(require '[datomic.client.api :as d])
${JSON_PRINTER}
  (try
    (let [client (d/client ${clientMap(options)})
          result (d/administer-system client {:db-name ${ednString(options.dbName)}
                                              :action ${ACTION_KEYWORDS[options.action]}})]
      (report "${RESULT_MARKER}" result)
      (System/exit 0))
    (catch Throwable t
      (let [data (ex-data t)
            category (:cognitect.anomalies/category data)]
        (if category
          (report "${ANOMALY_MARKER}"
                  {:category (if (keyword? category) (name category) (str category))
                   :message (or (:cognitect.anomalies/message data) (.getMessage t))})
          (report "${ERROR_MARKER}"
                  {:class (.getName (class t))
                   :message (.getMessage t)}))
        (.printStackTrace t)
        (System/exit 1)))))
`;
}

export type ProgramOutcome =
  | { kind: 'result'; value: JsonValue }
  | { kind: 'anomaly'; category: string; message: string }
  | { kind: 'error'; className: string; message: string }
  /** No marker line, or one whose JSON does not parse: `problem` says which. */
  | { kind: 'unreadable'; problem: string };

/** The outcome the program reported on stdout; the last marker line counts. */
export function readProgramOutput(stdout: string): ProgramOutcome {
  const markers = [RESULT_MARKER, ANOMALY_MARKER, ERROR_MARKER];
  const line = stdout
    .split(/\r?\n/)
    .findLast((candidate) => markers.some((marker) => candidate.startsWith(`${marker} `)));
  if (line === undefined) return { kind: 'unreadable', problem: `no line starting with ${RESULT_MARKER}` };
  const marker = line.slice(0, line.indexOf(' '));
  const text = line.slice(marker.length + 1);
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    return { kind: 'unreadable', problem: `the ${marker} line is not JSON (${(error as Error).message}): ${text.slice(0, 200)}` };
  }
  if (marker === RESULT_MARKER) return { kind: 'result', value };
  const fields = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  const message = typeof fields.message === 'string' ? fields.message : '(no message)';
  if (marker === ANOMALY_MARKER) return { kind: 'anomaly', category: String(fields.category ?? 'unknown'), message };
  return { kind: 'error', className: String(fields.class ?? 'unknown'), message };
}
