import type { PackageManager } from './package-manager.js';

/** Installs dependencies behind a spinner; the package manager's own output is shown only on failure. */
export async function installDependencies(root: string, pm: PackageManager): Promise<void> {
  const [{ execa }, { default: ora }] = await Promise.all([import('execa'), import('ora')]);
  const spinner = ora({ text: `Installing dependencies with ${pm}…`, isEnabled: process.stdout.isTTY }).start();
  try {
    await execa(pm, ['install'], { cwd: root, all: true, env: { npm_config_fund: 'false', npm_config_audit: 'false' } });
    spinner.succeed(`Installed dependencies with ${pm}`);
  } catch (error) {
    spinner.fail(`${pm} install failed`);
    const output = (error as { all?: string }).all;
    if (output) process.stderr.write(`${output.trim()}\n`);
    throw new Error(`${pm} install failed in ${root}: fix the error above and run it again.`);
  }
}

/** `git init` and a first commit; a missing git identity only skips the commit, with a warning. */
export async function initGitRepository(root: string, templateVersion: string): Promise<string | undefined> {
  const { execa } = await import('execa');
  const insideRepo = await execa('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, reject: false });
  if (insideRepo.exitCode === 0 && insideRepo.stdout.trim() === 'true') {
    return 'inside an existing git repository: skipped git init';
  }
  await execa('git', ['init', '--quiet', '--initial-branch=main'], { cwd: root });
  await execa('git', ['add', '--all'], { cwd: root });
  const commit = await execa(
    'git',
    ['commit', '--quiet', '--no-verify', '-m', `chore: scaffold with create-startup-backend ${templateVersion}`],
    { cwd: root, reject: false },
  );
  return commit.exitCode === 0
    ? undefined
    : 'git commit failed (is user.name/user.email set?): the files are staged, commit them yourself';
}
