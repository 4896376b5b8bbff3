import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { certmanager } from "./crds";
import {
  certificateSpec,
  clusterIssuerSpec,
  edgeNames,
  ingressSpec,
  resolveCors,
  resolveTimeouts,
  routeNamespaces,
  type AcmeSettings,
  type CorsSettings,
  type EdgeRateLimits,
  type EdgeRoute,
  type EdgeTimeouts,
  type IngressNginxSettings,
} from "./specs/edge";
import { withOverride, type ChildOverride } from "./specs/merge";

/** Per-child escape hatches, deep-merged into each child's args last. */
export interface NginxIngressWithTlsOverrides {
  /** Every route's Ingress. */
  ingress?: ChildOverride;
  /** Every namespace's Certificate. */
  certificate?: ChildOverride;
  issuer?: ChildOverride;
}

export interface NginxIngressWithTlsArgs {
  /** Public host names (plain: each becomes an Ingress rule and a certificate name). */
  hosts: string[];
  /** Public routes; each becomes an Ingress `<name>-<key>` in its backend's namespace. */
  routes: EdgeRoute[];
  /** The IngressClass of the ingress-nginx controller (ClusterAddons installs it). */
  ingressClassName: pulumi.Input<string>;
  /** ACME account for the ClusterIssuer `<name>-acme` (HTTP-01 through this ingress class). */
  acme: AcmeSettings;
  cors?: CorsSettings;
  /** Flood protection per client address, for the whole edge; default none. */
  rateLimits?: EdgeRateLimits;
  timeouts?: EdgeTimeouts;
  /** Largest request body (nginx size); default 10m. */
  maxBodySize?: string;
  /** Controller replicas, to turn edge-wide limits into the per-replica values nginx enforces; default 1. */
  controllerReplicas?: number;
  overrides?: NginxIngressWithTlsOverrides;
}

/**
 * The HTTPS edge (seed 000) on an ingress-nginx controller and cert-manager, both installed by
 * ClusterAddons: a Let's Encrypt ClusterIssuer `<name>-acme` (HTTP-01 on the ingress class), a
 * certificate `<name>-tls` in each namespace that has routes, and one Ingress `<name>-<route key>` per
 * route with HTTPS redirect, CORS, per-client limits, buffered uploads and streaming-friendly proxying.
 * ingress-nginx was retired upstream in March 2026; GatewayApiEdge renders the same routes on the Gateway API.
 */
export class NginxIngressWithTls extends pulumi.ComponentResource {
  public readonly ingressClassName: pulumi.Output<string>;
  /** Public URL of each route, by route key (`https://<first host><prefix>`). */
  public readonly urls: pulumi.Output<{ [key: string]: string }>;
  /** The certificate's Secret (in every route namespace). */
  public readonly tlsSecretName: pulumi.Output<string>;
  public readonly issuerName: pulumi.Output<string>;
  public readonly hosts: pulumi.Output<string[]>;

  constructor(name: string, args: NginxIngressWithTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "llm-platform:index:NginxIngressWithTls",
      name,
      {},
      { ...opts, aliases: [{ type: "llm-platform:edge:NginxIngressWithTls" }, ...(opts?.aliases ?? [])] },
    );
    if (args.hosts.length === 0) throw new Error(`NginxIngressWithTls ${name}: hosts is empty; give at least one public host name`);
    const keys = args.routes.map((r) => r.key);
    const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
    if (repeated) throw new Error(`NginxIngressWithTls ${name}: route key "${repeated}" is used twice; give each route its own key`);
    const child = { parent: this };
    const names = edgeNames(name);
    const o = args.overrides;
    const issuer = new certmanager.v1.ClusterIssuer(
      `${name}-issuer`,
      withOverride(
        clusterIssuerSpec(names.issuer, names.accountKeySecret, args.acme, { http01: { ingress: { ingressClassName: args.ingressClassName } } }),
        o?.issuer,
      ),
      child,
    );
    const certificates = routeNamespaces(args.routes).map(
      (ns) =>
        new certmanager.v1.Certificate(
          `${name}-certificate-${ns}`,
          withOverride(certificateSpec(names.tlsSecret, ns, args.hosts, names.issuer), o?.certificate),
          { ...child, dependsOn: [issuer] },
        ),
    );
    const settings: IngressNginxSettings = {
      hosts: args.hosts,
      ingressClassName: args.ingressClassName,
      tlsSecret: names.tlsSecret,
      cors: resolveCors(args.cors),
      rateLimits: args.rateLimits ?? {},
      timeouts: resolveTimeouts(args.timeouts),
      maxBodySize: args.maxBodySize ?? "10m",
      replicas: args.controllerReplicas ?? 1,
    };
    for (const route of args.routes) {
      new k8s.networking.v1.Ingress(`${name}-${route.key}`, withOverride(ingressSpec(name, settings, route), o?.ingress), {
        ...child,
        dependsOn: certificates,
      });
    }

    this.ingressClassName = pulumi.output(args.ingressClassName);
    this.urls = pulumi.output(Object.fromEntries(args.routes.map((r) => [r.key, `https://${args.hosts[0]}${r.prefix}`])));
    this.tlsSecretName = pulumi.output(names.tlsSecret);
    this.issuerName = pulumi.output(names.issuer);
    this.hosts = pulumi.output(args.hosts);
    this.registerOutputs({
      ingressClassName: this.ingressClassName,
      urls: this.urls,
      tlsSecretName: this.tlsSecretName,
      issuerName: this.issuerName,
      hosts: this.hosts,
    });
  }
}
