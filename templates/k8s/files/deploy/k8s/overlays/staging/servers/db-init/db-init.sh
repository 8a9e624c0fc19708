<% const db = containers.find((c) => c.admin); -%>
#!/bin/sh
# The db-init Job of staging (job.yaml): waits for <%= db.alias %>, then creates every service's database and
# its two accounts, as db-init does in docker-compose.yml. The passwords come from Secret db-init
# (secrets/db-init.env); scripts/deploy.sh runs it again on every deploy, so a service added later gets its own.
set -u
tries=0
until mariadb-admin -h <%= db.alias %> -P <%= db.port %> ping >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then echo "db-init: <%= db.alias %>:<%= db.port %> did not answer within 3 minutes: kubectl describe statefulset/<%= db.alias %>" >&2; exit 1; fi
  sleep 2
done
<% if (db.admin.passwordEnv) { -%>
[ -n "${<%= db.admin.passwordEnv %>:-}" ] || { echo "db-init: set <%= db.admin.passwordEnv %> in secrets/db-init.env" >&2; exit 1; }
<% } -%>
<%- partial('ops', 'db-init.sh', { dollar: '$', passwordFile: 'secrets/db-init.env', testDatabases: false }) -%>
