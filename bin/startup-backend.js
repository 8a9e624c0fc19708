#!/usr/bin/env node
// Subcommands on an existing repository (`add service`, `upgrade`) arrive in later releases.
const [command] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h') {
  process.stdout.write('Usage: startup-backend <command>\n\nCommands (coming in a later release): add service <name>, upgrade\n');
} else {
  process.stderr.write(`error Unknown command "${command}": this release has no subcommands yet. Run startup-backend --help.\n`);
  process.exitCode = 1;
}
