/**
 * A line typed without echo, for a terminal that understands no escape sequence (TERM=dumb),
 * where a prompt library would redraw its line with cursor movements. Ctrl-C is a Ctrl-C: the
 * process gets its SIGINT; Ctrl-D or a closed input ends the line.
 */
export function readHiddenLine(question: string, output: NodeJS.WritableStream): Promise<string> {
  const input = process.stdin;
  // echo goes off before the question shows: an answer typed as soon as it appears is never echoed
  input.setRawMode(true);
  output.write(`${question} `);
  return new Promise((resolve) => {
    let line = '';
    const finish = () => {
      input.off('data', onData);
      input.off('end', finish);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      resolve(line);
    };
    const onData = (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') {
          finish();
          process.kill(process.pid, 'SIGINT');
          return;
        }
        line = char === '\u007f' || char === '\b' ? line.slice(0, -1) : line + char;
      }
    };
    input.on('data', onData);
    input.on('end', finish);
    input.resume();
  });
}
