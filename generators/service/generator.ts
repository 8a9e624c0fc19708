import type { Tree } from '@nx/devkit';
import { serviceRpc } from '../shared/answers.js';
import { serviceNames } from '../shared/names.js';
import { renderFolder, serviceVariables } from '../shared/render.js';
import { choiceFolder } from '../shared/stack.js';
import type { ServiceGeneratorSchema } from './schema.js';

/**
 * A service is the shared base plus one layer per stack choice; the layers
 * never write the same file, so a choice's code lives in exactly one folder.
 * Every service after the first of its RPC framework also gets a typed client of that first one (its
 * peer): a copy of the peer's IDL beside its own, `src/clients/<peer>.ts`, and a test that calls it
 * through the registry. A service of another framework than the peer's gets none: calling it would need
 * both frameworks' libraries and code in one service.
 */
export function serviceGenerator(tree: Tree, { answers, service }: ServiceGeneratorSchema): void {
  const target = `services/${service.name}`;
  const variables = serviceVariables(answers, service);
  const rpc = serviceRpc(answers, service);
  const rpcFolder = choiceFolder('rpc', rpc);
  const layers = [
    ['service', 'base'],
    ...(['rpc', 'discovery', 'db'] as const).map((kind) => [...choiceFolder(kind, variables[kind]), 'files']),
    [...rpcFolder, 'idl'],
  ];
  for (const layer of layers) {
    renderFolder(tree, layer, target, variables);
  }
  const peer = answers.services.find((candidate) => serviceRpc(answers, candidate) === rpc);
  if (peer && peer.name !== service.name) {
    renderFolder(tree, [...rpcFolder, 'idl'], target, serviceVariables(answers, peer));
    const withPeer = { ...variables, peer: { ...peer, ...serviceNames(peer.name) }, peerName: peer.name };
    renderFolder(tree, ['service', 'peer-client'], target, withPeer);
    renderFolder(tree, [...rpcFolder, 'peer-client'], target, withPeer);
  }
}

export default serviceGenerator;
