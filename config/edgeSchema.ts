import { z } from "zod";

/**
 * The HTTPS edge (`llm-platform:edge`). Every value here ends up in a rendered object — an Ingress
 * annotation, a Gateway listener, an HTTPRoute filter, an NGINX Gateway Fabric policy or a chart value
 * — so each is checked as that consumer parses it, and the message names the fix.
 */

/** Which edge renders the route table: the retired ingress-nginx (dev) or the Gateway API on NGINX Gateway Fabric (prod). */
export const EdgeImplementation = { IngressNginx: "ingress-nginx", GatewayApi: "gateway-api" } as const;
export type EdgeImplementation = (typeof EdgeImplementation)[keyof typeof EdgeImplementation];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, { error: `must be at most 63 characters (${what} is a Kubernetes name)` })
    .regex(DNS_LABEL, { error: (i) => `"${String(i.input)}" is not a DNS-1123 label (${what}): lower-case letters, digits and '-'` });

/** A host name as Gateway API listeners/HTTPRoutes and Ingress rules take it (lower case, no port, no trailing dot). */
const hostname = z
  .string()
  .max(253, { error: "must be at most 253 characters" })
  .regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/, {
    error: (i) => `"${String(i.input)}" is not a DNS host name (lower case, e.g. llm.example.com; no scheme, port or path)`,
  });

const chartVersion = (example: string) =>
  z.string().regex(/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, { error: (i) => `"${String(i.input)}" is not a chart version (e.g. "${example}")` });

/** An IPv4 or IPv6 CIDR, parsed (octets ≤ 255, prefix ≤ 32 / 128), not just shaped. */
export function parseCidr(value: string): { family: 4 | 6; prefix: number } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m) return undefined;
  const [, address, bits] = m;
  const prefix = Number(bits);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address!);
  if (v4) return v4.slice(1).every((o) => Number(o) <= 255 && String(Number(o)) === o) && prefix <= 32 ? { family: 4, prefix } : undefined;
  if (!/^[0-9a-f:]+$/i.test(address!) || prefix > 128) return undefined;
  const halves = address!.split("::");
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  if (groups.flat().some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const count = groups.flat().length;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  return { family: 6, prefix };
}

/** Narrowest prefixes an exemption from flood protection may have: a whole LAN or pod CIDR is not a client. */
export const ALLOWLIST_MIN_PREFIX = { 4: 16, 6: 48 } as const;

const cidr = z.string().superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: `"${value}" is not a CIDR (e.g. 203.0.113.7/32 or 2001:db8::/64)` });
    return;
  }
  const min = ALLOWLIST_MIN_PREFIX[parsed.family];
  if (parsed.prefix < min) {
    ctx.addIssue({
      code: "custom",
      message: `"${value}" exempts a whole network from the edge's flood protection (pod CIDRs and most LANs fall inside such ranges); list single monitors or offices, /${min} or narrower, or leave the allowlist empty`,
    });
  }
});

/** nginx sizes NGINX Gateway Fabric's CRDs accept (`^\d{1,4}(k|m|g)?$`), and ingress-nginx too; 0 (no limit) is refused. */
const nginxSize = z.string().regex(/^[1-9]\d{0,3}[kmg]?$/, {
  error: (i) => `"${String(i.input)}" is not an nginx size: 1–9999 with an optional k, m or g suffix (e.g. "10m"); 0 would lift the limit`,
});

/** Seconds, bounded by what NGF's duration fields accept (`^[0-9]{1,4}(ms|s|m|h)?$`). */
const seconds = (what: string, max = 9999) =>
  z
    .number({ error: `must be a whole number of seconds (${what})` })
    .int({ error: `must be a whole number of seconds (${what})` })
    .min(1, { error: `must be at least 1 second (${what})` })
    .max(max, { error: `must be at most ${max} seconds (${what})` });

const positive = (what: string, max: number) =>
  z
    .number({ error: `must be a whole number (${what})` })
    .int({ error: `must be a whole number (${what})` })
    .min(1, { error: `must be at least 1 (${what})` })
    .max(max, { error: `must be at most ${max} (${what})` });

/** A browser origin as Gateway API's CORSOrigin pattern and ingress-nginx's cors-allow-origin take it. */
const origin = z.string().superRefine((value, ctx) => {
  if (value === "*") return;
  const m = /^(https?):\/\/([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)(:(\d{1,5}))?$/.exec(value);
  if (!m || (m[7] !== undefined && (Number(m[7]) < 1 || Number(m[7]) > 65535))) {
    ctx.addIssue({
      code: "custom",
      message: `"${value}" is not an origin: scheme://host[:port] in lower case, no path or trailing slash (e.g. https://chat.example.com), or "*"`,
    });
  }
});

/** An HTTP header name (RFC 9110 token), as Gateway API's CORS allowHeaders pattern requires. */
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,256}$/, { error: (i) => `"${String(i.input)}" is not an HTTP header name` });

export const corsSchema = z
  .strictObject({
    /** Explicit origins; "*" only alone and never together with allowCredentials. */
    origins: z.array(origin).min(1, { error: "needs at least one origin" }).max(64, { error: "at most 64 origins (Gateway API's limit)" }),
    methods: z
      .array(z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
      .min(1)
      .default(["GET", "POST", "OPTIONS"]),
    headers: z.array(headerName).max(64, { error: "at most 64 headers (Gateway API's limit)" }).default(["Authorization", "Content-Type", "X-Request-Id"]),
    allowCredentials: z.boolean().default(false),
    /** Seconds a browser may cache a preflight answer (Gateway API requires at least 1; browsers cap it at 2 h–24 h). */
    maxAgeSeconds: seconds("preflight cache", 86400).default(600),
  })
  .superRefine((cors, ctx) => {
    if (cors.allowCredentials && cors.origins.includes("*")) {
      ctx.addIssue({
        code: "custom",
        path: ["origins"],
        message: 'must list explicit origins when allowCredentials is true: "*" with credentials lets any site call the API as the user',
      });
    }
    if (cors.origins.includes("*") && cors.origins.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["origins"],
        message: '"*" must stand alone: it already allows every origin (Gateway API refuses it beside others)',
      });
    }
    for (const [key, list] of [
      ["origins", cors.origins],
      ["methods", cors.methods],
      ["headers", cors.headers.map((h) => h.toLowerCase())],
    ] as const) {
      const seen = new Set<string>();
      list.forEach((value, i) => {
        if (seen.has(value)) ctx.addIssue({ code: "custom", path: [key, i], message: `"${value}" is listed twice; remove the repeat` });
        seen.add(value);
      });
    }
  });

const rateLimitsSchema = z
  .strictObject({
    /** Requests per second per client address, for the whole edge (the program divides by data-plane replicas). */
    rps: positive("requests per second per client", 100000).optional(),
    /** Requests per minute per client address, for the whole edge. */
    rpm: positive("requests per minute per client", 1000000).optional(),
    /** Concurrent connections per client address (ingress-nginx only). */
    connections: positive("connections per client", 100000).optional(),
    /** Burst allowed above the rate, as a multiple of it (ingress-nginx's limit-burst-multiplier; NGF's burst). */
    burstMultiplier: positive("burst multiplier", 100).default(5),
    /** Client addresses exempt from the edge limits (ingress-nginx only); empty by default. */
    allowlist: z.array(cidr).default([]),
    /** Gateway API only: a second limit keyed on the Authorization header (flood protection per API key). */
    perApiKey: z
      .strictObject({
        rps: positive("requests per second per API key", 100000).optional(),
        rpm: positive("requests per minute per API key", 1000000).optional(),
      })
      .refine((k) => k.rps !== undefined || k.rpm !== undefined, { error: "needs rps or rpm (or remove perApiKey)" })
      .optional(),
  })
  .prefault({});

const hstsSchema = z
  .strictObject({
    maxAgeSeconds: z.number().int().min(0).max(63072000, { error: "must be at most 2 years (63072000 s)" }).default(31536000),
    includeSubdomains: z.boolean().default(true),
    preload: z.boolean().default(false),
  })
  .superRefine((hsts, ctx) => {
    // hstspreload.org's submission requirements: a preload request without them is rejected.
    if (hsts.preload && !hsts.includeSubdomains)
      ctx.addIssue({ code: "custom", path: ["includeSubdomains"], message: "must be true when preload is true (the preload list requires includeSubDomains)" });
    if (hsts.preload && hsts.maxAgeSeconds < 31536000)
      ctx.addIssue({ code: "custom", path: ["maxAgeSeconds"], message: `is ${hsts.maxAgeSeconds}; the preload list requires at least 31536000 (1 year)` });
  })
  .prefault({});

const timeoutsSchema = z
  .strictObject({
    /** Connecting to the gateway/Qdrant (nginx caps proxy_connect_timeout at about 75 s). */
    connectSeconds: seconds("connect timeout", 75).default(10),
    /** Between two reads from the backend: a streamed completion may pause this long between tokens. */
    readSeconds: seconds("read timeout").default(900),
    /** Between two writes to the backend; request bodies are buffered at the edge first, so this is short. */
    sendSeconds: seconds("send timeout").default(60),
    /** Between two reads of a client's request body (and headers): a slow upload is cut after this. */
    clientBodySeconds: seconds("client body timeout", 300).default(30),
  })
  .prefault({});

const ingressNginxSchema = z
  .strictObject({
    ingressClass: dnsLabel("the IngressClass").default("nginx"),
    chartVersion: chartVersion("4.15.1").default("4.15.1"),
    /** Controller replicas; per-client limits are divided by this. */
    replicas: positive("controller replicas", 50).default(2),
  })
  .prefault({});

const gatewayApiSchema = z
  .strictObject({
    /** The GatewayClass NGINX Gateway Fabric owns (cluster-wide: unique per installation). */
    gatewayClass: dnsLabel("the GatewayClass").default("nginx"),
    /** NGINX Gateway Fabric chart (oci://ghcr.io/nginx/charts/nginx-gateway-fabric). */
    chartVersion: chartVersion("2.6.7").default("2.6.7"),
    /** Gateway API CRDs (standard channel) the chart's release is tested with: NGF 2.6.7 → v1.5.1. */
    gatewayApiVersion: z
      .string()
      .regex(/^v1\.\d+\.\d+$/, { error: (i) => `"${String(i.input)}" is not a Gateway API release tag (e.g. "v1.5.1")` })
      .default("v1.5.1"),
    /** NGINX data-plane replicas; per-client limits are divided by this. */
    replicas: positive("data-plane replicas", 50).default(2),
    /** How the data plane is exposed (LoadBalancer keeps client addresses with externalTrafficPolicy Local). */
    serviceType: z.enum(["LoadBalancer", "NodePort"]).default("LoadBalancer"),
  })
  .prefault({});

const RENAMED = {
  ingressClass: "edge.ingressNginx.ingressClass",
  controller: "edge.ingressNginx.{chartVersion,replicas} (ingress-nginx) or edge.gatewayApi.{chartVersion,replicas} (gateway-api)",
} as const;

export const edgeConfigSchema = z
  .strictObject({
    implementation: z.enum([EdgeImplementation.IngressNginx, EdgeImplementation.GatewayApi]).default(EdgeImplementation.IngressNginx),
    hosts: z.array(hostname).min(1, { error: "needs at least one host name" }),
    /** ACME account e-mail (expiry notices). */
    email: z.email({ error: "must be an e-mail address for the ACME account" }),
    /** Let's Encrypt staging (untrusted certificates, generous limits) or production. */
    acme: z.enum(["staging", "production"]),
    ingressNginx: ingressNginxSchema,
    gatewayApi: gatewayApiSchema,
    certManager: z.strictObject({ chartVersion: chartVersion("v1.21.1").default("v1.21.1") }).prefault({}),
    cors: corsSchema.optional(),
    /** Flood protection per client address (and, on gateway-api, per API key); per-client quotas are the gateway's. */
    rateLimits: rateLimitsSchema,
    hsts: hstsSchema,
    timeouts: timeoutsSchema,
    /** The largest request body (long prompts, embedding batches); larger ones get 413 at the edge. */
    maxBodySize: nginxSize.default("10m"),
    /** Renamed keys: accepted only to say where they went. */
    ingressClass: z.unknown().optional(),
    controller: z.unknown().optional(),
  })
  .superRefine((edge, ctx) => {
    for (const [key, target] of Object.entries(RENAMED)) {
      if ((edge as Record<string, unknown>)[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: `moved: use ${target}` });
    }
    const seen = new Map<string, number>();
    edge.hosts.forEach((host, i) => {
      if (seen.has(host))
        ctx.addIssue({ code: "custom", path: ["hosts", i], message: `"${host}" is listed twice (also hosts[${seen.get(host)}]); remove the repeat` });
      else seen.set(host, i);
    });
    const limits = edge.rateLimits;
    const gatewayApi = edge.implementation === EdgeImplementation.GatewayApi;
    if (gatewayApi && limits.connections !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rateLimits", "connections"],
        message:
          "has no equivalent on NGINX Gateway Fabric without NGINX snippets, which this edge keeps disabled; remove it (request buffering and timeouts.clientBodySeconds stop slow uploads holding connections, and gateway clients' maxParallelRequests bounds concurrency per key)",
      });
    }
    if (gatewayApi && limits.allowlist.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["rateLimits", "allowlist"],
        message:
          "is not supported on NGINX Gateway Fabric (its RateLimitPolicy keys every client); remove it — per-key limits in the gateway are the per-client control",
      });
    }
    if (!gatewayApi && limits.perApiKey !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rateLimits", "perApiKey"],
        message: 'needs implementation "gateway-api": ingress-nginx keys limits on the client address only; per-key quotas are gateway.clients.<name>.rpm/tpm',
      });
    }
    const replicas = gatewayApi ? edge.gatewayApi.replicas : edge.ingressNginx.replicas;
    const replicasKey = gatewayApi ? "llm-platform:edge.gatewayApi.replicas" : "llm-platform:edge.ingressNginx.replicas";
    const perReplica: [PropertyKey[], number | undefined][] = [
      [["rateLimits", "rps"], limits.rps],
      [["rateLimits", "rpm"], limits.rpm],
      [["rateLimits", "connections"], limits.connections],
      [["rateLimits", "perApiKey", "rps"], limits.perApiKey?.rps],
      [["rateLimits", "perApiKey", "rpm"], limits.perApiKey?.rpm],
    ];
    for (const [path, value] of perReplica) {
      if (value !== undefined && value < replicas) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `is ${value} for the whole edge but there are ${replicas} replicas each counting on their own (at least 1 each): a client spread over them would get ${replicas}; raise it to at least ${replicas} or lower ${replicasKey}`,
        });
      }
    }
  });

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
