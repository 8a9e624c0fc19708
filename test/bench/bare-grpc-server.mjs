// The bench's reference for the generated gRPC service: a bare @grpc/grpc-js server doing the same
// database work for GetItem (one SELECT by id through a mysql2 pool of the same size), with the generated
// repo's own packages and proto, and nothing else (no validation, deadlines, metrics or logs).
// Usage: node bare-grpc-server.mjs <service dir> <port> <database url>; prints "listening" when ready.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readdirSync } from 'node:fs';

const [serviceDir, port, databaseUrl] = process.argv.slice(2);
const require = createRequire(path.join(serviceDir, 'package.json'));
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { createPool } = require('mysql2/promise');

const protoDir = path.join(serviceDir, 'proto');
const [file] = readdirSync(protoDir).filter((f) => f.endsWith('.proto'));
const definition = grpc.loadPackageDefinition(protoLoader.loadSync(file, { includeDirs: [protoDir], keepCase: false, longs: String, enums: String, defaults: true, oneofs: true }));
const pkg = Object.values(definition).find((node) => node.v1)?.v1;
const Service = Object.values(pkg).find((node) => typeof node === 'function' && node.service);

const pool = createPool({ uri: databaseUrl, connectionLimit: 10, waitForConnections: true, enableKeepAlive: true, timezone: 'Z' });
const server = new grpc.Server();
server.addService(Service.service, {
  GetItem: (call, callback) => {
    pool.query('SELECT id, name, created_at FROM items WHERE id = ?', [call.request.id]).then(
      ([rows]) => {
        const row = rows[0];
        if (row === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'not found' });
        else callback(null, { item: { id: row.id, name: row.name, createdAt: row.created_at.toISOString() } });
      },
      () => callback({ code: grpc.status.INTERNAL, details: 'internal error' }),
    );
  },
});
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
  console.log('listening');
});
process.on('SIGTERM', () => server.tryShutdown(() => pool.end().finally(() => process.exit(0))));
