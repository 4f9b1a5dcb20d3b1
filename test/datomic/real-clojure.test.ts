/**
 * Runs the generated program for real, with Clojure from Debian's `clojure` package, against a
 * stand-in `datomic.client.api` namespace. Debian's package is clojure.main, not the Clojure CLI
 * (no -Sdeps, no -M) and nothing here can download com.datomic/client-cloud, so a `clojure`
 * wrapper on PATH checks the CLI arguments and runs the program text with clojure.main.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import administerSystem, { type AdministerSystemInput } from '../../steps/datomic/administer-system.js';
import { failureOf } from '../background/support/run.js';
import { fakeStepContext } from '../support/step-context.js';

/** Installed by `apt-get install clojure`; also on CI when .ci/run installs it. */
const DEBIAN_CLOJURE_JAR = '/usr/share/java/clojure.jar';
const DEBIAN_CLOJURE_LAUNCHER = '/usr/bin/clojure';
const haveDebianClojure = existsSync(DEBIAN_CLOJURE_JAR) && existsSync(DEBIAN_CLOJURE_LAUNCHER);
/** A JVM start and Clojure's own load take seconds on a busy machine. */
const JVM_TEST_TIMEOUT_MS = 120_000;

const STAND_IN_API = `(ns datomic.client.api)

(defn client [arg-map]
  {:stand-in-config arg-map})

(defn administer-system [client arg-map]
  (case (:db-name arg-map)
    "loading-db" (throw (ex-info "Unavailable"
                                 {:cognitect.anomalies/category :cognitect.anomalies/unavailable
                                  :cognitect.anomalies/message "The database is still loading"}))
    {:db-name (:db-name arg-map)
     :action (:action arg-map)
     :client-config (:stand-in-config client)
     :values {:keyword :db.type/tuple
              :set #{:db/upgraded}
              :nothing nil
              :double 2.5
              :big 12345678901234567890N
              :ratio 1/3
              :inst (java.util.Date. 0)
              :not-a-number Double/NaN
              :text "caf\\u00e9 \\"quoted\\""}}))
`;

function wrapperScript(classpath: string): string {
  return `#!/bin/sh
# the Clojure CLI's arguments, checked, then the program run by clojure.main
if [ $# -ne 5 ] || [ "$1" != "-Sdeps" ] || [ "$3" != "-M" ] || [ "$4" != "-e" ]; then
  echo "clojure wrapper: unexpected arguments: $*" >&2
  exit 99
fi
case "$2" in
  '{:deps {com.datomic/client-cloud {:mvn/version "'*'"}}}') ;;
  *) echo "clojure wrapper: unexpected -Sdeps $2" >&2; exit 98 ;;
esac
exec java -cp '${DEBIAN_CLOJURE_JAR}:${classpath}' clojure.main -e "$5"
`;
}

let workDir: string;
let originalPath: string | undefined;

beforeAll(async () => {
  if (!haveDebianClojure) return;
  workDir = await realpath(await mkdtemp(path.join(tmpdir(), 'stepwise-real-clojure-')));
  const classpath = path.join(workDir, 'src');
  await mkdir(path.join(classpath, 'datomic', 'client'), { recursive: true });
  await writeFile(path.join(classpath, 'datomic', 'client', 'api.clj'), STAND_IN_API);
  const bin = path.join(workDir, 'bin');
  await mkdir(bin);
  await writeFile(path.join(bin, 'clojure'), wrapperScript(classpath));
  await chmod(path.join(bin, 'clojure'), 0o755);
  originalPath = process.env.PATH;
  process.env.PATH = `${bin}${path.delimiter}${originalPath ?? ''}`;
});
afterAll(async () => {
  if (!haveDebianClojure) return;
  process.env.PATH = originalPath;
  await rm(workDir, { recursive: true, force: true });
});

const HOSTILE_DB_NAME = 'x") (System/exit 0) ("\\ \n ünï 😀 \'quoted\'';
const HOSTILE_ENDPOINT = 'https://h" :proxy-port 1 "';

function run(input: Partial<AdministerSystemInput>) {
  return administerSystem.run(fakeStepContext({ runbookDir: workDir }), {
    system: 'prod',
    region: 'us-east-1',
    dbName: 'movies',
    action: 'upgrade-schema',
    ...input,
  });
}

describe.skipIf(!haveDebianClojure)('datomic.administer-system against real Clojure (Debian package) and a stand-in client API', () => {
  it(
    'passes hostile values through as the same strings, and prints the returned map as JSON',
    async () => {
      const result = await run({ dbName: HOSTILE_DB_NAME, endpoint: HOSTILE_ENDPOINT });
      expect(result).toEqual({
        dbName: HOSTILE_DB_NAME,
        result: {
          'db-name': HOSTILE_DB_NAME,
          action: 'upgrade-schema',
          'client-config': { 'server-type': 'cloud', region: 'us-east-1', system: 'prod', endpoint: HOSTILE_ENDPOINT },
          values: {
            keyword: 'db.type/tuple',
            set: ['db/upgraded'],
            nothing: null,
            double: 2.5,
            big: '12345678901234567890',
            ratio: '1/3',
            inst: '1970-01-01T00:00:00Z',
            'not-a-number': 'NaN',
            text: 'café "quoted"',
          },
        },
      });
    },
    JVM_TEST_TIMEOUT_MS,
  );

  it(
    'builds the legacy client map with the proxy port',
    async () => {
      const result = (await run({ system: 'legacy', proxyPort: 8182 })) as { result: { 'client-config': unknown } };
      expect(result.result['client-config']).toEqual({
        'server-type': 'cloud',
        region: 'us-east-1',
        system: 'legacy',
        endpoint: 'http://entry.legacy.us-east-1.datomic.net:8182/',
        'proxy-port': 8182,
      });
    },
    JVM_TEST_TIMEOUT_MS,
  );

  it(
    'turns an anomaly the client throws into anomaly:<category>',
    async () => {
      const failure = await failureOf(run({ dbName: 'loading-db', endpoint: 'https://x.example' }));
      expect(failure).toMatchObject({ code: 'anomaly:unavailable', retryable: true });
      expect(failure.message).toContain('anomaly unavailable: The database is still loading');
    },
    JVM_TEST_TIMEOUT_MS,
  );

  it(
    'recognises Debian\'s own launcher as not the Clojure CLI',
    async () => {
      const failure = await failureOf(run({ clojure: DEBIAN_CLOJURE_LAUNCHER, endpoint: 'https://x.example' }));
      expect(failure).toMatchObject({ code: 'not-clojure-cli', retryable: false });
      expect(failure.message).toContain('https://clojure.org/guides/install_clojure');
    },
    JVM_TEST_TIMEOUT_MS,
  );
});
