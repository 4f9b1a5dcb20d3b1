import { parseEDNString } from 'edn-data';
import { describe, expect, it } from 'vitest';
import { administerSystemProgram, depsMap, ednString, onOneLine, readProgramOutput, type ProgramOptions } from '../../steps/datomic/clojure-program.js';

const HOSTILE_VALUES = [
  'movies',
  'say "hi"',
  'back\\slash\\',
  'line one\nline two\r\n\ttabbed',
  '") (System/exit 0) ("',
  '" (clojure.java.shell/sh "rm" "-rf" "/") "',
  '\\" (println :injected) \\"',
  ')))(((',
  'ünïcödé 😀 and \u0000 and \u007f and \u2028',
  '',
];

describe('ednString', () => {
  it.each(HOSTILE_VALUES)('reads back as the same string with a real EDN reader: %j', (value) => {
    const literal = ednString(value);
    expect(parseEDNString(literal)).toBe(value);
  });

  it('makes pure printable ASCII, so that no locale can garble the program', () => {
    for (const value of HOSTILE_VALUES) expect(ednString(value)).toMatch(/^[\x20-\x7e]*$/);
  });

  it('escapes what would end the literal or start another form', () => {
    expect(ednString('") (System/exit 0) ("')).toBe('"\\") (System/exit 0) (\\""');
    expect(ednString('a\\')).toBe('"a\\\\"');
    expect(ednString('a\nb')).toBe('"a\\nb"');
    expect(ednString('é')).toBe('"\\u00e9"');
  });
});

describe('the generated program', () => {
  const endpointOptions: ProgramOptions = {
    system: 'prod',
    region: 'eu-west-1',
    dbName: '") (System/exit 0) ("',
    action: 'upgrade-schema',
    connection: { endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com' },
  };

  it('builds the client map for a current system from the endpoint', () => {
    const program = administerSystemProgram(endpointOptions);
    expect(program.startsWith("(require '[datomic.client.api :as d]) (letfn")).toBe(true);
    expect(program).not.toContain('\n');
    expect(program).toMatch(/\(d\/client \{:server-type :cloud\s+:region "eu-west-1"\s+:system "prod"\s+:endpoint "https:\/\/abc\.execute-api\.eu-west-1\.amazonaws\.com"\}\)/);
    expect(program).not.toContain(':proxy-port');
  });

  it('calls administer-system with the escaped database name and the action keyword', () => {
    const program = administerSystemProgram(endpointOptions);
    expect(program).toMatch(/\(d\/administer-system client \{:db-name "\\"\) \(System\/exit 0\) \(\\""\s+:action :upgrade-schema\}\)/);
  });

  it('is one line, so that a plan shows it compactly, with string literals and character literals as written', () => {
    expect(onOneLine('(f  "a  b\\"  c"\n   (= c \\")\n  [ x   y ] )')).toBe('(f "a  b\\"  c" (= c \\") [x y])');
    const program = administerSystemProgram({ ...endpointOptions, dbName: 'two  spaces\tand a tab' });
    expect(program).toContain(':db-name "two  spaces\\tand a tab"');
    expect(program.length).toBeLessThan(1700);
  });

  it('reaches a legacy system through the proxy port with its entry endpoint', () => {
    const program = administerSystemProgram({ ...endpointOptions, connection: { proxyPort: 8182 } });
    expect(program).toContain(':endpoint "http://entry.prod.eu-west-1.datomic.net:8182/"');
    expect(program).toContain(':proxy-port 8182}');
  });

  it('has balanced parentheses, brackets and braces outside strings and character literals', () => {
    const program = administerSystemProgram(endpointOptions);
    const stack: string[] = [];
    const closers: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
    for (let at = 0; at < program.length; at++) {
      const char = program[at]!;
      if (char === '\\') at += 1; // a character literal such as \" or \\
      else if (char === '"') {
        for (at += 1; program[at] !== '"'; at += program[at] === '\\' ? 2 : 1) {
          if (at >= program.length) throw new Error('unterminated string');
        }
      } else if ('([{'.includes(char)) stack.push(char);
      else if (char in closers) expect(stack.pop(), `at ${at}`).toBe(closers[char]);
    }
    expect(stack).toEqual([]);
  });

  it('puts the client version into the -Sdeps map as a string literal', () => {
    expect(depsMap('1.0.137')).toBe('{:deps {com.datomic/client-cloud {:mvn/version "1.0.137"}}}');
    expect(parseEDNString(depsMap('1.0.137'), { mapAs: 'doubleArray', keywordAs: 'string' })).toEqual({
      map: [['deps', { map: [[{ sym: 'com.datomic/client-cloud' }, { map: [['mvn/version', '1.0.137']] }]] }]],
    });
  });
});

describe('readProgramOutput', () => {
  it('reads the result line among other output', () => {
    const stdout = 'Downloading: com/datomic/client-cloud\nSTEPWISE-RESULT {"upgraded":true}\n';
    expect(readProgramOutput(stdout)).toEqual({ kind: 'result', value: { upgraded: true } });
  });

  it('reads an anomaly', () => {
    expect(readProgramOutput('STEPWISE-ANOMALY {"category":"forbidden","message":"no"}\n')).toEqual({ kind: 'anomaly', category: 'forbidden', message: 'no' });
  });

  it('reads another exception', () => {
    expect(readProgramOutput('STEPWISE-ERROR {"class":"java.io.FileNotFoundException","message":"x"}')).toEqual({
      kind: 'error',
      className: 'java.io.FileNotFoundException',
      message: 'x',
    });
  });

  it('says when there is no marker line, or its JSON is broken', () => {
    expect(readProgramOutput('{:upgraded true}\n')).toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('no line starting with STEPWISE-RESULT') });
    expect(readProgramOutput('STEPWISE-RESULT {"a":\n')).toMatchObject({ kind: 'unreadable', problem: expect.stringContaining('the STEPWISE-RESULT line is not JSON') });
  });
});
