import { describe, expect, it } from 'vitest';
import {
  serviceNames, toValidProjectName, validateProjectName, validateServiceName,
} from '../../generators/shared/names.js';
import { reservedNames } from '../../generators/shared/reserved-names.js';

describe('project names (the last segment of the target directory)', () => {
  it.each([
    ['', /empty/],
    ['My-App', /capital letters/],
    ['my app', /URL-friendly/],
    ['..', /period/],
    ['.hidden', /period/],
    ['-dash', /hyphen/],
    ['node_modules', /not a valid package name/],
    ['a'.repeat(215), /214/],
    ['a~b', /special characters/],
  ])('rejects %j with the reason and a fix', (name, reason) => {
    const problem = validateProjectName(name);
    expect(problem).toMatch(reason);
    expect(problem).toMatch(/Use a valid npm package name|Pass a target directory/);
  });

  it.each(['my-app', 'app2', 'a.b', 'x'])('accepts %j', (name) => {
    expect(validateProjectName(name)).toBeUndefined();
  });

  it.each([
    ['My App', 'my-app'],
    ['.Hidden Thing', 'hidden-thing'],
    ['node_modules', 'node-modules'],
    ['a~b!', 'a-b'],
  ])('suggests %j -> %j, which is valid', (input, suggestion) => {
    expect(toValidProjectName(input)).toBe(suggestion);
    expect(validateProjectName(suggestion)).toBeUndefined();
  });
});

describe('service names', () => {
  it.each(['', 'Pay', 'pay_ments', '1pay', 'pay--x', 'pay-', 'service', 'a'.repeat(31)])('rejects %j', (name) => {
    expect(validateServiceName(name)).toBeTypeOf('string');
  });

  it('keeps the messages for empty, long and malformed names', () => {
    expect(validateServiceName('')).toBe('Service name is empty. Pass one with --service, e.g. --service payments.');
    expect(validateServiceName('a'.repeat(31))).toBe(`Service name "${'a'.repeat(31)}" is longer than 30 characters. Pick a shorter one.`);
    expect(validateServiceName('Pay Ments')).toBe(
      'Invalid service name "Pay Ments": use lowercase letters, digits and single dashes, starting with a letter (e.g. "pay-ments").',
    );
  });

  // One name per reason, refused with one line that says what the name already is and offers a valid one.
  it.each([
    ['service', 'Service name "service" is a reserved word in the generated IDL or code. Pick another, e.g. "service-svc".'],
    ['node-modules', 'Service name "node-modules" is a reserved word in the generated IDL or code. Pick another, e.g. "node-modules-svc".'],
    ['root', 'Service name "root" is the database administrator account (db-init would give root the service\'s password). Pick another, e.g. "root-svc".'],
    ['mysql', 'Service name "mysql" names the system schema of MySQL, MariaDB and TiDB (the service would get all privileges on it). Pick another, e.g. "mysql-svc".'],
    ['sys', 'Service name "sys" names the sys schema of MySQL, MariaDB and TiDB (the service would get all privileges on it). Pick another, e.g. "sys-svc".'],
    ['information-schema', 'Service name "information-schema" names a system schema of MySQL, MariaDB and TiDB (db-init fails on it, so the stack does not start). Pick another, e.g. "information-schema-svc".'],
    ['performance-schema', 'Service name "performance-schema" names a system schema of MySQL, MariaDB and TiDB (the service would get privileges on it). Pick another, e.g. "performance-schema-svc".'],
    ['healthcheck', 'Service name "healthcheck" names the MariaDB image\'s healthcheck account, whose connections the stack\'s audit log leaves out. Pick another, e.g. "healthcheck-svc".'],
    ['localhost', 'Service name "localhost" is a host name every container resolves to itself, so the stack could not reach the service by it. Pick another, e.g. "localhost-svc".'],
    ['kibana', 'Service name "kibana" is a service of the generated docker-compose.yml (profile logging). Pick another, e.g. "kibana-svc".'],
    ['db-init', 'Service name "db-init" is a service of the generated docker-compose.yml. Pick another, e.g. "db-init-svc".'],
    ['tidb', 'Service name "tidb" is the compose service of the TiDB server (with --db tidb). Pick another, e.g. "tidb-svc".'],
    ['order', 'Service name "order" is a reserved word in MySQL 8.0 and TiDB SQL (it names the service\'s database). Pick another, e.g. "orders".'],
    ['keys', 'Service name "keys" is a reserved word in MySQL 8.0 and TiDB SQL (it names the service\'s database). Pick another, e.g. "keys-svc".'],
    ['cube', 'Service name "cube" is a reserved word in MySQL 8.0 SQL (it names the service\'s database). Pick another, e.g. "cubes".'],
    ['tablesample', 'Service name "tablesample" is a reserved word in TiDB SQL (it names the service\'s database). Pick another, e.g. "tablesamples".'],
    // The snake_case form is what SQL sees: these kebab names are not words, their database names are.
    ['current-date', 'Service name "current-date" is a reserved word in MySQL 8.0 and TiDB SQL (as "current_date" it names the service\'s database). Pick another, e.g. "current-date-svc".'],
    ['int-1', 'Service name "int-1" is a reserved word in MySQL 8.0 and TiDB SQL (as "int1" it names the service\'s database). Pick another, e.g. "int-1-svc".'],
  ])('refuses %j, naming the problem and a fix', (name, message) => {
    expect(validateServiceName(name)).toBe(message);
    expect(message).not.toContain('\n');
  });

  it('refuses every entry of the reserved-name table, with a suggestion that is itself accepted', () => {
    for (const { name } of reservedNames()) {
      // Table entries are written as the repo spells them; a service spells snake_case with dashes.
      const service = name.replaceAll('_', '-');
      const problem = validateServiceName(service);
      expect(problem, service).toMatch(new RegExp(`^Service name "${service}" .+\\. Pick another, e\\.g\\. "([a-z0-9-]+)"\\.$`));
      const suggestion = /e\.g\. "([a-z0-9-]+)"\.$/.exec(problem!)![1]!;
      expect(validateServiceName(suggestion), `${service} -> ${suggestion}`).toBeUndefined();
    }
  });

  it('refuses the database servers\' dotted system accounts by the name syntax already', () => {
    for (const account of ['mysql.sys', 'mysql.session', 'mysql.infoschema', 'mariadb.sys']) {
      expect(validateServiceName(account)).toMatch(/^Invalid service name/);
    }
  });

  // Reserved somewhere else (SQL keywords that are not reserved, MariaDB-only words, IDL and TS words,
  // images the stack runs under other service names), but not by anything this repo generates.
  it.each([
    'api', 'a', 'order-book', 'orders', 'payments', 'abcdefghij-klmnopqrst-uvwxyz12',
    'status', 'user', 'data', 'date', 'event', 'host', 'password', 'role', 'value', 'view', 'public',
    'offset', 'returning', 'stream', 'repeated', 'required', 'oneway', 'type', 'interface', 'async', 'yield',
    'db', 'mariadb', 'nginx', 'm-sql', 's-s', 'mysql-sys', 'kibana-svc', 'grafana2',
  ])('accepts %j', (name) => {
    expect(validateServiceName(name)).toBeUndefined();
  });

  it('derives every spelling the templates use', () => {
    expect(serviceNames('order-book')).toEqual({
      name: 'order-book',
      className: 'OrderBook',
      propertyName: 'orderBook',
      snakeName: 'order_book',
      grantDatabase: 'order\\_book',
      constantName: 'ORDER_BOOK',
      migrationUser: 'order_book-migrate',
    });
  });

  it('keeps the migration account within MySQL\'s 32 characters, two long names apart', () => {
    const long = 'settlement-reconciliation-ab'; // 28 characters: with "-migrate" 36
    const sibling = 'settlement-reconciliation-ac';
    expect(serviceNames(long).migrationUser).toMatch(/^settlement_reconc-[0-9a-f]{6}-migrate$/);
    expect(serviceNames(long).migrationUser).toHaveLength(32);
    expect(serviceNames(sibling).migrationUser).not.toBe(serviceNames(long).migrationUser);
    expect(serviceNames('a'.repeat(24)).migrationUser).toBe(`${'a'.repeat(24)}-migrate`);
  });
});
