import type { PackageManager } from '../generators/shared/package-managers.js';
import { cancelledAfterFailure } from './abort.js';
import { installCommand } from './package-manager.js';

/** The install failed on its own (not cancelled): the files stay, the user is told how to retry. */
export class InstallFailedError extends Error {
  override name = 'InstallFailedError';
}

/**
 * Installs dependencies behind a spinner; the package manager's own output is shown only on failure.
 * `signal` (Ctrl-C, SIGTERM) stops the package manager and rejects.
 */
export async function installDependencies(root: string, pm: PackageManager, signal: AbortSignal): Promise<void> {
  const [{ execa }, { default: ora }] = await Promise.all([import('execa'), import('ora')]);
  signal.throwIfAborted();
  const spinner = ora({ text: `Installing dependencies with ${pm}…`, isEnabled: process.stdout.isTTY }).start();
  try {
    await execa(pm, ['install'], {
      cwd: root,
      all: true,
      cancelSignal: signal,
      env: { npm_config_fund: 'false', npm_config_audit: 'false' },
    });
    spinner.succeed(`Installed dependencies with ${pm}`);
  } catch (error) {
    if (await cancelledAfterFailure(signal)) {
      spinner.stop();
      throw error;
    }
    const failure = error as { code?: string; exitCode?: number; signal?: string; all?: string };
    spinner.fail(`${installCommand(pm)} failed`);
    if (failure.all) process.stderr.write(`${failure.all.trim()}\n`);
    const reason =
      failure.code === 'ENOENT' ? `${pm} was not found on PATH`
      : failure.exitCode !== undefined ? `${installCommand(pm)} exited with code ${failure.exitCode}`
      : `${installCommand(pm)} was stopped by ${failure.signal ?? 'an error'}`;
    throw new InstallFailedError(reason);
  }
}

/**
 * `git init` and a first commit; a missing git identity only skips the commit, with a warning.
 * `signal` stops git and rejects.
 */
export async function initGitRepository(root: string, templateVersion: string, signal: AbortSignal): Promise<string | undefined> {
  const { execa } = await import('execa');
  const git = async (args: string[], reject = true) => {
    signal.throwIfAborted();
    const result = await execa('git', args, { cwd: root, reject, cancelSignal: signal });
    signal.throwIfAborted();
    return result;
  };
  const insideRepo = await git(['rev-parse', '--is-inside-work-tree'], false);
  if (insideRepo.exitCode === 0 && insideRepo.stdout.trim() === 'true') {
    return 'inside an existing git repository: skipped git init';
  }
  await git(['init', '--quiet', '--initial-branch=main']);
  await git(['add', '--all']);
  const commit = await git(
    ['commit', '--quiet', '--no-verify', '-m', `chore: scaffold with create-startup-backend ${templateVersion}`],
    false,
  );
  return commit.exitCode === 0
    ? undefined
    : 'git commit failed (is user.name/user.email set?): the files are staged, commit them yourself';
}
