/**
 * Exact versions of everything the generated repo installs, in one map (as
 * create-t3-app's dependencyVersionMap): no registry look-ups at scaffold time,
 * and a template upgrade is a reviewed change here. Pinned for Node 24 (the
 * generated repo's runtime, IMAGE_TAGS.node): an unpinned install picks
 * TypeScript 7 and @types/node 26.
 */
export const DEPENDENCY_VERSIONS = {
  '@grpc/grpc-js': '1.14.7',
  '@grpc/proto-loader': '0.8.1',
  // rpc: grpc — the standard health service, and server reflection behind GRPC_REFLECTION
  'grpc-health-check': '2.1.0',
  '@grpc/reflection': '1.0.4',
  etcd3: '1.1.2',
  mysql2: '3.24.6',
  pino: '10.4.0',
  'prom-client': '15.1.3',
  zod: '4.6.7',
  typescript: '5.9.3',
  '@types/node': '24.19.4',
  vitest: '4.1.12',
  eslint: '9.39.5',
  '@eslint/js': '9.39.5',
  'typescript-eslint': '8.73.0',
  prettier: '3.10.1',
  // lint
  'eslint-plugin-simple-import-sort': '14.0.0',
  // rpc: thrift
  thrift: '0.24.0',
  '@types/thrift': '0.10.17',
  '@creditkarma/thrift-typescript': '3.7.6',
  // discovery: consul
  // db: tidb
  // ci: jenkins
  'npm-groovy-lint': '16.2.0',
  // ops: scripts/check-ops.mjs reads the alert rules with it (the version this repo's tests run it with)
  yaml: '2.9.0',
  // `plop service <name>`: its one action runs this release's `startup-backend add service`
  plop: '4.0.5',
  // The package manager, pinned by the root package.json's `packageManager`.
  npm: '11.19.1',
  // pnpm 11 needs Node >= 22.13: the generated repos run on 24.
  pnpm: '11.28.11',
} as const;

export type DependencyName = keyof typeof DEPENDENCY_VERSIONS;

/**
 * The generated repo's Node.js, an LTS line: its images below; `.nvmrc` and `engines` name its major,
 * read from IMAGE_TAGS.node.
 */
const NODE_VERSION = '24.22.3';

/** Image tags used by CI and the compose stack; never `latest`. */
export const IMAGE_TAGS = {
  node: `node:${NODE_VERSION}-bookworm-slim`,
  mariadb: 'mariadb:10.11.10',
  mysql: 'mysql:8.0.40',
  etcd: 'quay.io/coreos/etcd:v3.5.17',
  docker: 'docker:27.5.1',
  dockerInDocker: 'docker:27.5.1-dind',
  // The deploy jobs with DEPLOY_TARGET=kubernetes: kubectl and kustomize, and a POSIX shell for deploy.sh.
  kubectl: 'alpine/k8s:1.33.4',
  prometheus: 'prom/prometheus:v2.55.1',
  // ops: observability (grafana matches the devDependency @grafana/schema that types its dashboards)
  alertmanager: 'prom/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.6.16',
  // ops: logging and gateway (nginx stable, Debian-based: its curl runs the healthchecks)
  nginx: 'nginx:1.26.2',
  httpd: 'httpd:2.4.62-alpine',
  elasticsearch: 'docker.elastic.co/elasticsearch/elasticsearch:8.17.0',
  kibana: 'docker.elastic.co/kibana/kibana:8.17.0',
  filebeat: 'docker.elastic.co/beats/filebeat:8.17.0',
  // The Docker API for filebeat, GET only (github.com/wollomatic/socket-proxy).
  socketProxy: 'wollomatic/socket-proxy:1.10.0',
  // discovery: consul
  consul: 'hashicorp/consul:1.20.1',
  // db: tidb
  tidb: 'pingcap/tidb:v8.5.8',
  // ci: jenkins
  // ci: release
  // The commits check runs `git log`, which the slim Node image lacks.
  nodeWithGit: `node:${NODE_VERSION}-bookworm`,
} as const;
