/**
 * Templates render LF. A team file kept with CRLF (a Windows checkout, an editor setting) is compared
 * and merged in its own line endings, so the merge neither reports every line as changed nor
 * converts the file.
 */
export type LineEnding = '\n' | '\r\n';

export function lineEndingOf(text: string): LineEnding {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = text.match(/\n/g)?.length ?? 0;
  return crlf > 0 && crlf * 2 >= lf ? '\r\n' : '\n';
}

export function withLineEnding(text: string, ending: LineEnding): string {
  const lf = text.replace(/\r\n/g, '\n');
  return ending === '\n' ? lf : lf.replace(/\n/g, '\r\n');
}
