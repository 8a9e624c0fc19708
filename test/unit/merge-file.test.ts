import { describe, expect, it } from 'vitest';
import { mergeFile, type FileVersions } from '../../generators/engine/merge-file.js';

/** The per-file rule of ../shared/upgrade-scenarios.md, one case per row, with real `git merge-file`. */
const b = (text: string) => Buffer.from(text);
const merge = (versions: Omit<FileVersions, 'path'> & { path?: string }) => {
  const outcome = mergeFile({ path: 'docker-compose.yml', ...versions });
  return { ...outcome, text: outcome.content?.toString() };
};
const LINES = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';

describe('the per-file merge rule', () => {
  it('ours == base: takes theirs, or removes the file when theirs has none', () => {
    expect(merge({ ours: b(LINES), base: b(LINES), theirs: b(`${LINES}eight\n`) })).toMatchObject({ action: 'updated', text: `${LINES}eight\n` });
    expect(merge({ ours: b(LINES), base: b(LINES) })).toMatchObject({ action: 'removed', text: undefined });
  });

  it('base == theirs: keeps ours byte for byte', () => {
    expect(merge({ ours: b('team\n'), base: b(LINES), theirs: b(LINES) })).toEqual({ action: 'unchanged' });
  });

  it('all three differ: a clean 3-way merge keeps the team line and adds the new one', () => {
    const ours = LINES.replace('two\n', 'two\nteam line\n');
    const theirs = LINES.replace('six\n', 'six\nnew service\n');
    expect(merge({ ours: b(ours), base: b(LINES), theirs: b(theirs) })).toMatchObject({
      action: 'merged',
      text: 'one\ntwo\nteam line\nthree\nfour\nfive\nsix\nnew service\nseven\n',
    });
  });

  it('the same line changed both ways: standard conflict markers, never one side dropped', () => {
    const outcome = merge({ ours: b(LINES.replace('four', 'FOUR (team)')), base: b(LINES), theirs: b(LINES.replace('four', 'four (template)')) });
    expect(outcome.action).toBe('conflict');
    expect(outcome.text).toContain('<<<<<<< yours\nFOUR (team)\n=======\nfour (template)\n>>>>>>> startup-backend\n');
  });

  it('both append to the end of the same list: a conflict that keeps both entries (why services are not rendered last)', () => {
    const outcome = merge({ ours: b(`${LINES}team entry\n`), base: b(LINES), theirs: b(`${LINES}new service\n`) });
    expect(outcome.action).toBe('conflict');
    expect(outcome.text).toContain('team entry');
    expect(outcome.text).toContain('new service');
  });

  it('no base, and the team already has a different file there: merged against an empty base, a conflict, not an overwrite', () => {
    const outcome = merge({ ours: b('the team wrote this\n'), theirs: b('the template wants this\n') });
    expect(outcome.action).toBe('conflict');
    expect(outcome.text).toContain('the team wrote this');
  });

  it('the team deleted a rendered file: it stays deleted, reported when the templates change it', () => {
    expect(merge({ base: b(LINES), theirs: b(`${LINES}eight\n`) })).toMatchObject({ action: 'kept', reason: expect.stringContaining('deleted') });
    expect(merge({ base: b(LINES), theirs: b(LINES) })).toEqual({ action: 'unchanged' });
  });

  it('the templates drop a file the team edited: kept and reported', () => {
    expect(merge({ ours: b(`${LINES}team\n`), base: b(LINES) })).toMatchObject({ action: 'kept', reason: expect.stringContaining('edited') });
  });

  it('binary files are never merged: kept and reported when theirs differs', () => {
    const png = (tail: number) => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, tail]);
    expect(merge({ path: 'logo.png', ours: png(1), base: png(2), theirs: png(3) })).toMatchObject({ action: 'kept', reason: expect.stringContaining('binary') });
    expect(merge({ path: 'logo.png', ours: png(2), base: png(2), theirs: png(3) })).toMatchObject({ action: 'updated' });
  });

  it('CRLF files are compared and merged in their own line endings, and stay CRLF', () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    // Untouched but checked out with CRLF: updated, in CRLF.
    expect(merge({ ours: b(crlf(LINES)), base: b(LINES), theirs: b(`${LINES}eight\n`) })).toMatchObject({ action: 'updated', text: crlf(`${LINES}eight\n`) });
    const outcome = merge({
      ours: b(crlf(LINES.replace('two\n', 'two  \nteam line\n'))),
      base: b(LINES),
      theirs: b(LINES.replace('six\n', 'six\nnew service\n')),
    });
    expect(outcome).toMatchObject({ action: 'merged', text: crlf('one\ntwo  \nteam line\nthree\nfour\nfive\nsix\nnew service\nseven\n') });
  });

  it('a lockfile the team changed is kept: the install afterwards brings it up to date', () => {
    expect(merge({ path: 'package-lock.json', ours: b('{"team":1}\n'), base: b('{}\n'), theirs: b('{"new":1}\n') })).toMatchObject({ action: 'kept' });
  });
});
