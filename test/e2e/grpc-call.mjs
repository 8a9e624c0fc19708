// A separate process that calls a running generated service over the gRPC wire, as another
// team's client would: it loads the service's .proto with the repo's own @grpc/* packages.
// Usage: node grpc-call.mjs <service dir> <proto package>.<Service> <host:port>
// Prints one JSON object with the results and the status codes of the calls that must fail.
import { createRequire } from 'node:module';
import path from 'node:path';
import { readdirSync } from 'node:fs';

const [serviceDir, qualifiedService, address] = process.argv.slice(2);
const require = createRequire(path.join(serviceDir, 'package.json'));
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const protoDir = path.join(serviceDir, 'proto');
const files = readdirSync(protoDir).filter((f) => f.endsWith('.proto'));
const definition = grpc.loadPackageDefinition(protoLoader.loadSync(files, { includeDirs: [protoDir], defaults: true }));
const Service = qualifiedService.split('.').reduce((node, part) => node[part], definition);
const client = new Service(address, grpc.credentials.createInsecure());

const call = (method, request) =>
  new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + 5000 }, (error, response) =>
      resolve(error ? { code: error.code, details: error.details } : { response }),
    );
  });

const created = await call('CreateItem', { name: 'apple' });
const fetched = await call('GetItem', { id: created.response?.item?.id ?? '' });
const listed = await call('ListItems', { pageSize: 10 });
const emptyName = await call('CreateItem', { name: '' });
const badPageSize = await call('ListItems', { pageSize: 100000 });
const unknownId = await call('GetItem', { id: '0190a8c4-0000-7000-8000-000000000000' });
client.close();
console.log(JSON.stringify({ created, fetched, listed, emptyName, badPageSize, unknownId }));
