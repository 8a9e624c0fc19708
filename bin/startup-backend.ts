import { UserInputError } from '../generators/shared/choices.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { reportError } from './report-error.js';

export const HELP = `Usage: startup-backend <command> [options]

Commands, run anywhere inside a repository made by create-startup-backend:
  add service <name>   add a service: its code, database and user, compose service, gateway
                       route, CI jobs, image build, scrape target, alerts, dashboard and
                       runbook commands, merged into your files (a 3-way merge: your edits stay)
  upgrade              move the repository to this release's templates (or --to <version>),
                       merged into your files the same way; conflicts are left as after git merge

Options of add service:
      --rpc grpc|thrift  the service's RPC framework (default: the repository's "rpc")
      --dry-run          print the plan (created / updated / merged / conflict) with diffs;
                         write nothing
      --allow-dirty      run although the working tree has uncommitted changes
      --no-install       do not run the package manager's install afterwards
  -y, --yes              never prompt (a missing name is then an error)

Options of upgrade:
      --to <version>     the release to move to (default: this one)
      --set <q>=<value>  change an answer on the way: rpc, discovery, db, ci, or <service>.rpc
                         (repeatable); with the repository's own release, only that change
      --dry-run          print the plan (updated / merged / conflict / created / removed / kept)
                         with diffs; write nothing
      --check            exit 1 when a newer release than the repository's is out
      --allow-dirty      run although the working tree has uncommitted changes
      --no-install       do not run the package manager's install afterwards

  -h, --help             show this help
  -v, --version          show the version

See "Adding a service" in the generated README.md, and docs/adding-services.md of
create-startup-backend for how the merge works.
`;

export async function main(argv: readonly string[]): Promise<void> {
  // `startup-backend add service x --dry-run | head`: a closed pipe ends the output, not with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h') return void process.stdout.write(HELP);
    if (command === '--version' || command === '-v') return void process.stdout.write(`${TEMPLATE_VERSION}\n`);
    if (command === 'add') {
      const { addCommand } = await import('./add-service.js');
      return await addCommand(rest);
    }
    if (command === 'upgrade') {
      const { upgradeCommand } = await import('./upgrade.js');
      return await upgradeCommand(rest);
    }
    throw new UserInputError(`Unknown command "${command}": the commands are \`add service <name>\` and \`upgrade\`. Run startup-backend --help.`);
  } catch (error) {
    reportError(error);
  }
}
