import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../config/edgeSchema";
import { certmanager } from "./crds";
import { certificateSpec, clusterIssuerSpec, ingressSpec, type EdgeRoute } from "./specs/edge";
import { applyOverride, type Overrides } from "./specs/merge";

export interface NginxIngressWithTlsArgs {
  settings: EdgeConfig;
  /** Public path → Service; the key names the Ingress (`edge-<key>`). */
  routes: Record<string, EdgeRoute>;
  overrides?: Overrides<{ ingress: k8s.networking.v1.IngressArgs }>;
}

/**
 * The HTTPS edge (seed 000) on an ingress-nginx controller and cert-manager that ClusterAddons installs:
 * a Let's Encrypt ClusterIssuer (HTTP-01 on the nginx class), a certificate for the hosts, and one
 * Ingress per route with redirect, HSTS, CORS,
 * per-client rate limits and streaming-friendly timeouts. ingress-nginx was retired upstream in March
 * 2026: the interface (hosts, routes, TLS, limits) is what a Gateway API implementation would take.
 */
export class NginxIngressWithTls extends pulumi.ComponentResource {
  public readonly ingressClass: string;
  public readonly urls: Record<string, string>;
  public readonly tlsSecretName: string;

  constructor(name: string, args: NginxIngressWithTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:edge:NginxIngressWithTls", name, {}, opts);
    const child = { parent: this };
    const edge = args.settings;
    const issuer = new certmanager.v1.ClusterIssuer(`${name}-issuer`, clusterIssuerSpec(edge), child);

    const namespaces = [...new Set(Object.values(args.routes).map((r) => r.service.namespace))];
    const certificates = namespaces.map(
      (ns) => new certmanager.v1.Certificate(`${name}-certificate-${ns}`, certificateSpec(edge, ns), { ...child, dependsOn: [issuer] }),
    );
    for (const [key, route] of Object.entries(args.routes)) {
      new k8s.networking.v1.Ingress(`${name}-${key}`, applyOverride(args.overrides, "ingress", ingressSpec(edge, key, route)), {
        ...child,
        dependsOn: certificates,
      });
    }

    this.ingressClass = edge.ingressClass;
    this.tlsSecretName = "llm-platform-tls";
    this.urls = Object.fromEntries(Object.entries(args.routes).map(([key, r]) => [key, `https://${edge.hosts[0]}${r.path}`]));
    this.registerOutputs({ ingressClass: this.ingressClass, urls: this.urls, hosts: edge.hosts });
  }
}
