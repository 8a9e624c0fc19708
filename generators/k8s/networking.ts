import type { NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPort } from 'kubernetes-types/networking/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import type { ServiceVariables } from '../shared/render.js';
import { databaseContainer, metadata, migrateName, PORT_NAMES, registryContainer, selectorLabels } from './names.js';

/** grpc-js speaks HTTP/2 without TLS; Thrift is plain TCP, which needs no appProtocol. */
const rpcAppProtocol = (variables: ServiceVariables) => (variables.service.rpc === 'grpc' ? 'kubernetes.io/h2c' : undefined);

function servicePorts(variables: ServiceVariables): Service['spec'] {
  const { service } = variables;
  return {
    selector: selectorLabels(service.name, 'server'),
    ports: [
      { name: PORT_NAMES.rpc, port: service.rpcPort, targetPort: PORT_NAMES.rpc, protocol: 'TCP', appProtocol: rpcAppProtocol(variables) },
      { name: PORT_NAMES.http, port: service.httpPort, targetPort: PORT_NAMES.http, protocol: 'TCP' },
    ],
  };
}

/** One virtual IP: what the gateway and Prometheus reach the service by. */
export function clusterService(variables: ServiceVariables): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: metadata(variables, variables.service.name), spec: { type: 'ClusterIP', ...servicePorts(variables) } };
}

/**
 * Every ready pod's own address in DNS: clients balance per call themselves (through the registry), and
 * a virtual IP would pin each long-lived HTTP/2 or Thrift connection to one pod.
 */
export function headlessService(variables: ServiceVariables): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(variables, `${variables.service.name}-headless`),
    spec: { clusterIP: 'None', ...servicePorts(variables) },
  };
}

export const tcp = (port: number): NetworkPolicyPort => ({ protocol: 'TCP', port });

/** Cluster DNS (kube-dns / CoreDNS, labelled k8s-app=kube-dns on every common distribution). */
export const dnsEgress: NetworkPolicyEgressRule = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
};

/**
 * The database and the registry run outside the cluster (or in another namespace): by port only, to any
 * address; an overlay narrows `to` with the servers' ipBlock once their addresses are known.
 */
const serverEgress = (port: number): NetworkPolicyEgressRule => ({ ports: [tcp(port)] });

/** The first service of the same framework, which every later one calls (see generators/service). */
function peerEgress(variables: ServiceVariables): NetworkPolicyEgressRule[] {
  const { service } = variables;
  const peer = variables.serviceList.find((candidate) => candidate.rpc === service.rpc);
  if (!peer || peer.name === service.name) return [];
  return [{ to: [{ podSelector: { matchLabels: selectorLabels(peer.name, 'server') } }], ports: [tcp(peer.rpcPort)] }];
}

export function serverNetworkPolicy(variables: ServiceVariables): NetworkPolicy {
  const { service } = variables;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(variables, service.name),
    spec: {
      podSelector: { matchLabels: selectorLabels(service.name, 'server') },
      policyTypes: ['Ingress', 'Egress'],
      // From anywhere, to these two ports only: callers, the gateway, Prometheus and the kubelet's probes.
      ingress: [{ ports: [tcp(service.rpcPort), tcp(service.httpPort)] }],
      egress: [
        dnsEgress,
        serverEgress(databaseContainer(variables).port),
        serverEgress(registryContainer(variables).port),
        ...peerEgress(variables),
      ],
    },
  };
}

/** The migration Job's pod: the database and DNS, nothing in. */
export function migrationNetworkPolicy(variables: ServiceVariables): NetworkPolicy {
  const name = migrateName(variables.service.name);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(variables, name, 'migration'),
    spec: {
      podSelector: { matchLabels: selectorLabels(variables.service.name, 'migration') },
      policyTypes: ['Ingress', 'Egress'],
      egress: [dnsEgress, serverEgress(databaseContainer(variables).port)],
    },
  };
}
