/*
 * What a set of Kubernetes NetworkPolicies allows, decided the way the API defines it
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/), for the parts Xiaoliu's use:
 * - a pod selected by no policy of a direction is open in that direction; once selected, only what some rule of a
 *   selecting policy allows gets through, and a connection needs both the sender's egress and the receiver's ingress;
 * - a peer is a podSelector (the policy's own namespace), a namespaceSelector (with an optional podSelector: both must
 *   match), or an ipBlock (cidr minus except, IPv4 here); a rule without peers matches any, without ports any port;
 * - a named port is the receiving pod's container port of that name; protocol defaults to TCP.
 * Policies live in one namespace (the policy set's); endpoints outside it are never selected.
 */

type Labels = Record<string, string>;

export interface Pod {
  namespace: string;
  labels: Labels;
  /** Container ports by name, for named ports in policies. */
  ports?: Record<string, number>;
}
export interface Address {
  ip: string;
}
export type Endpoint = Pod | Address;

interface Peer {
  podSelector?: { matchLabels?: Labels };
  namespaceSelector?: { matchLabels?: Labels };
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { protocol?: string; port?: number | string }[];
}
export interface NetworkPolicy {
  metadata: { name: string };
  spec: { podSelector: { matchLabels?: Labels }; policyTypes: ('Ingress' | 'Egress')[]; ingress?: Rule[]; egress?: Rule[] };
}

const matches = (selector: { matchLabels?: Labels } | undefined, labels: Labels) =>
  Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(ip) / size) === Math.floor(toNumber(base!) / size);
}

function peerMatches(peer: Peer, endpoint: Endpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    // An ipBlock stands for addresses outside the cluster; pods are matched by selectors.
    if (!('ip' in endpoint)) return false;
    return inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((cidr) => inCidr(endpoint.ip, cidr));
  }
  if ('ip' in endpoint) return false;
  const namespaceOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': endpoint.namespace })
    : endpoint.namespace === policyNamespace;
  return namespaceOk && matches(peer.podSelector, endpoint.labels);
}

function ruleMatches(rule: Rule, peers: Peer[] | undefined, other: Endpoint, receiver: Endpoint, port: number, protocol: string, namespace: string) {
  const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, other, namespace));
  const portOk =
    !rule.ports ||
    rule.ports.length === 0 ||
    rule.ports.some((p) => {
      if ((p.protocol ?? 'TCP') !== protocol) return false;
      if (p.port === undefined) return true;
      const number = typeof p.port === 'number' ? p.port : 'ip' in receiver ? undefined : receiver.ports?.[p.port];
      return number === port;
    });
  return peerOk && portOk;
}

/** Whether `from` may open a connection to `to` on `port`, under `policies` (all in `namespace`). */
export function allows(policies: NetworkPolicy[], namespace: string, from: Endpoint, to: Endpoint, port: number, protocol = 'TCP'): boolean {
  const selecting = (endpoint: Endpoint, type: 'Ingress' | 'Egress') =>
    'ip' in endpoint || endpoint.namespace !== namespace
      ? []
      : policies.filter((p) => p.spec.policyTypes.includes(type) && matches(p.spec.podSelector, endpoint.labels));
  const egress = selecting(from, 'Egress');
  const egressOk = egress.length === 0 || egress.some((p) => (p.spec.egress ?? []).some((r) => ruleMatches(r, r.to, to, to, port, protocol, namespace)));
  const ingress = selecting(to, 'Ingress');
  const ingressOk = ingress.length === 0 || ingress.some((p) => (p.spec.ingress ?? []).some((r) => ruleMatches(r, r.from, from, to, port, protocol, namespace)));
  return egressOk && ingressOk;
}
