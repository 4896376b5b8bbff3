import * as pulumi from "@pulumi/pulumi";
import { certmanager, gateway } from "./crds";
import {
  certificateSpec,
  clusterIssuerSpec,
  edgeNames,
  resolveCors,
  resolveHsts,
  resolveTimeouts,
  type AcmeSettings,
  type CorsSettings,
  type EdgeRateLimits,
  type EdgeRoute,
  type EdgeTimeouts,
  type HstsSettings,
} from "./specs/edge";
import {
  clientSettingsPolicySpec,
  gatewayHttp01Solver,
  gatewaySpec,
  httpRouteSpec,
  proxySettingsPolicySpec,
  rateLimitPolicySpec,
  redirectRouteSpec,
  type GatewayApiSettings,
} from "./specs/gatewayApiEdge";
import { withOverride, type ChildOverride } from "./specs/merge";

/** Per-child escape hatches, deep-merged into each child's args last. */
export interface GatewayApiEdgeOverrides {
  gateway?: ChildOverride;
  /** Every route's HTTPRoute. */
  httpRoute?: ChildOverride;
  redirect?: ChildOverride;
  certificate?: ChildOverride;
  issuer?: ChildOverride;
  rateLimitPolicy?: ChildOverride;
  clientSettingsPolicy?: ChildOverride;
  proxySettingsPolicy?: ChildOverride;
}

export interface GatewayApiEdgeArgs {
  /** Namespace of the Gateway, its NGINX data plane (NGF provisions it there), certificate, redirect and policies. */
  namespace: pulumi.Input<string>;
  /** The GatewayClass of the controller (ClusterAddons' nginxGatewayFabric). */
  gatewayClassName: pulumi.Input<string>;
  /** Public host names (plain: the certificate's names and every route's hostnames). */
  hosts: string[];
  /** Public routes; each becomes an HTTPRoute `<name>-<key>` in its backend's namespace. */
  routes: EdgeRoute[];
  /** ACME account for the ClusterIssuer `<name>-acme` (HTTP-01 through an HTTPRoute on the HTTP listener). */
  acme: AcmeSettings;
  cors?: CorsSettings;
  hsts?: HstsSettings;
  /** Flood protection per client address and per API key, for the whole edge; default none. */
  rateLimits?: EdgeRateLimits;
  timeouts?: EdgeTimeouts;
  /** Largest request body (nginx size); default 10m. */
  maxBodySize?: string;
  /** NGINX data-plane replicas, to turn edge-wide limits into per-replica ones; default 1. */
  dataPlaneReplicas?: number;
  overrides?: GatewayApiEdgeOverrides;
}

/**
 * The HTTPS edge on the Gateway API (gateway.networking.k8s.io/v1) with NGINX Gateway Fabric: a Gateway
 * `<name>` with an HTTP listener (308 to HTTPS; cert-manager's HTTP-01 routes outrank the redirect) and
 * an HTTPS listener terminating TLS with the cert-manager certificate `<name>-tls`; one HTTPRoute per
 * route with URL rewrites, CORS and HSTS; and NGF policies for what the core API lacks: per-client and
 * per-API-key rate limits, body size and client body timeout, streaming-friendly backend timeouts.
 */
export class GatewayApiEdge extends pulumi.ComponentResource {
  public readonly gatewayName: pulumi.Output<string>;
  public readonly gatewayNamespace: pulumi.Output<string>;
  /** Public URL of each route, by route key (`https://<first host><prefix>`). */
  public readonly urls: pulumi.Output<{ [key: string]: string }>;
  public readonly tlsSecretName: pulumi.Output<string>;
  public readonly issuerName: pulumi.Output<string>;
  public readonly hosts: pulumi.Output<string[]>;

  constructor(name: string, args: GatewayApiEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:index:GatewayApiEdge", name, {}, opts);
    if (args.hosts.length === 0) throw new Error(`GatewayApiEdge ${name}: hosts is empty; give at least one public host name`);
    const keys = args.routes.map((r) => r.key);
    const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
    if (repeated) throw new Error(`GatewayApiEdge ${name}: route key "${repeated}" is used twice; give each route its own key`);
    const child = { parent: this };
    const names = edgeNames(name);
    const o = args.overrides;
    const s: GatewayApiSettings = {
      component: name,
      namespace: args.namespace,
      gatewayClassName: args.gatewayClassName,
      hosts: args.hosts,
      tlsSecret: names.tlsSecret,
      cors: resolveCors(args.cors),
      hsts: resolveHsts(args.hsts),
      rateLimits: args.rateLimits ?? {},
      timeouts: resolveTimeouts(args.timeouts),
      maxBodySize: args.maxBodySize ?? "10m",
      replicas: args.dataPlaneReplicas ?? 1,
    };

    const issuer = new certmanager.v1.ClusterIssuer(
      `${name}-issuer`,
      withOverride(clusterIssuerSpec(names.issuer, names.accountKeySecret, args.acme, gatewayHttp01Solver(s)), o?.issuer),
      child,
    );
    const gw = new gateway.v1.Gateway(`${name}-gateway`, withOverride(gatewaySpec(s, args.routes), o?.gateway), child);
    // The listener's Secret: issued through the HTTP listener, so after the Gateway exists.
    new certmanager.v1.Certificate(
      `${name}-certificate`,
      withOverride(certificateSpec(names.tlsSecret, args.namespace, args.hosts, names.issuer), o?.certificate),
      { ...child, dependsOn: [issuer, gw] },
    );
    new gateway.v1.HTTPRoute(`${name}-https-redirect`, withOverride(redirectRouteSpec(s), o?.redirect), { ...child, dependsOn: [gw] });
    for (const route of args.routes) {
      new gateway.v1.HTTPRoute(`${name}-${route.key}`, withOverride(httpRouteSpec(s, route), o?.httpRoute), { ...child, dependsOn: [gw] });
    }
    const rateLimits = rateLimitPolicySpec(s);
    if (rateLimits) new gateway.v1alpha1.RateLimitPolicy(`${name}-rate-limits`, withOverride(rateLimits, o?.rateLimitPolicy), { ...child, dependsOn: [gw] });
    new gateway.v1alpha1.ClientSettingsPolicy(`${name}-client-settings`, withOverride(clientSettingsPolicySpec(s), o?.clientSettingsPolicy), {
      ...child,
      dependsOn: [gw],
    });
    new gateway.v1alpha1.ProxySettingsPolicy(`${name}-proxy-settings`, withOverride(proxySettingsPolicySpec(s), o?.proxySettingsPolicy), {
      ...child,
      dependsOn: [gw],
    });

    this.gatewayName = pulumi.output(name);
    this.gatewayNamespace = pulumi.output(args.namespace);
    this.urls = pulumi.output(Object.fromEntries(args.routes.map((r) => [r.key, `https://${args.hosts[0]}${r.prefix}`])));
    this.tlsSecretName = pulumi.output(names.tlsSecret);
    this.issuerName = pulumi.output(names.issuer);
    this.hosts = pulumi.output(args.hosts);
    this.registerOutputs({
      gatewayName: this.gatewayName,
      gatewayNamespace: this.gatewayNamespace,
      urls: this.urls,
      tlsSecretName: this.tlsSecretName,
      issuerName: this.issuerName,
      hosts: this.hosts,
    });
  }
}
