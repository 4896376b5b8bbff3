import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EdgeConfig } from "../config/edgeSchema";
import { certmanager } from "../crds";
import {
  certManagerValues,
  certificateSpec,
  clusterIssuerSpec,
  controllerValues,
  ingressSpec,
  type EdgeRoute,
} from "./specs/edge";
import { applyOverride, deepMerge, type Overrides, type Plain } from "./specs/merge";

export interface NginxIngressWithTlsArgs {
  namespaces: { ingress: string; certManager: string };
  settings: EdgeConfig;
  /** Public path → Service; the key names the Ingress (`edge-<key>`). */
  routes: Record<string, EdgeRoute>;
  controllerValuesOverride?: Plain;
  certManagerValuesOverride?: Plain;
  overrides?: Overrides<{ controller: k8s.helm.v3.ReleaseArgs; certManager: k8s.helm.v3.ReleaseArgs; ingress: k8s.networking.v1.IngressArgs }>;
}

/**
 * The HTTPS edge (seed 000): ingress-nginx, cert-manager with a Let's Encrypt ClusterIssuer (HTTP-01 on
 * the nginx class), a certificate for the hosts, and one Ingress per route with redirect, HSTS, CORS,
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
    const controller = new k8s.helm.v3.Release(
      `${name}-controller`,
      applyOverride(args.overrides, "controller", {
        name: "ingress-nginx",
        chart: "ingress-nginx",
        version: edge.controller.chartVersion,
        repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
        namespace: args.namespaces.ingress,
        values: deepMerge(controllerValues(edge), args.controllerValuesOverride),
        atomic: true,
      }),
      child,
    );
    const certManager = new k8s.helm.v3.Release(
      `${name}-cert-manager`,
      applyOverride(args.overrides, "certManager", {
        name: "cert-manager",
        chart: "cert-manager",
        version: edge.certManager.chartVersion,
        repositoryOpts: { repo: "https://charts.jetstack.io" },
        namespace: args.namespaces.certManager,
        values: deepMerge(certManagerValues(), args.certManagerValuesOverride),
        atomic: true,
      }),
      child,
    );
    const issuer = new certmanager.v1.ClusterIssuer(`${name}-issuer`, clusterIssuerSpec(edge), { ...child, dependsOn: [certManager] });

    const namespaces = [...new Set(Object.values(args.routes).map((r) => r.service.namespace))];
    const certificates = namespaces.map(
      (ns) => new certmanager.v1.Certificate(`${name}-certificate-${ns}`, certificateSpec(edge, ns), { ...child, dependsOn: [issuer] }),
    );
    for (const [key, route] of Object.entries(args.routes)) {
      new k8s.networking.v1.Ingress(`${name}-${key}`, applyOverride(args.overrides, "ingress", ingressSpec(edge, key, route)), {
        ...child,
        dependsOn: [controller, ...certificates],
      });
    }

    this.ingressClass = edge.ingressClass;
    this.tlsSecretName = "llm-platform-tls";
    this.urls = Object.fromEntries(Object.entries(args.routes).map(([key, r]) => [key, `https://${edge.hosts[0]}${r.path}`]));
    this.registerOutputs({ ingressClass: this.ingressClass, urls: this.urls, hosts: edge.hosts });
  }
}
