import { z } from "zod";

const hostname = z.string().regex(/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, { error: (i) => `"${String(i.input)}" is not a DNS host name` });
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i, { error: (i) => `"${String(i.input)}" is not a CIDR` });

export const corsSchema = z
  .strictObject({
    /** Explicit origins; "*" is refused together with allowCredentials. */
    origins: z.array(z.string().regex(/^(\*|https?:\/\/[^\s,/]+)$/, { error: (i) => `"${String(i.input)}" is not an origin (scheme://host[:port]) or "*"` })).min(1),
    methods: z.array(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])).default(["GET", "POST", "OPTIONS"]),
    headers: z.array(z.string()).default(["Authorization", "Content-Type", "X-Request-Id"]),
    allowCredentials: z.boolean().default(false),
    maxAgeSeconds: z.number().int().min(0).default(600),
  })
  .superRefine((cors, ctx) => {
    if (cors.allowCredentials && cors.origins.includes("*")) {
      ctx.addIssue({
        code: "custom",
        path: ["origins"],
        message: 'must list explicit origins when allowCredentials is true: "*" with credentials lets any site call the API as the user',
      });
    }
  });

export const edgeConfigSchema = z.strictObject({
  hosts: z.array(hostname).min(1, { error: "needs at least one host name" }),
  /** ACME account e-mail (expiry notices). */
  email: z.email({ error: "must be an e-mail address for the ACME account" }),
  /** Let's Encrypt staging (untrusted certificates, generous limits) or production. */
  acme: z.enum(["staging", "production"]),
  ingressClass: z.string().default("nginx"),
  controller: z
    .strictObject({
      chartVersion: z.string().default("4.15.1"),
      replicas: z.number().int().min(1).default(2),
    })
    .prefault({}),
  certManager: z.strictObject({ chartVersion: z.string().default("v1.21.1") }).prefault({}),
  cors: corsSchema.optional(),
  /** Per-client limits for the whole cluster; the program divides them by controller replicas. */
  rateLimits: z
    .strictObject({
      rps: z.number().int().positive().optional(),
      rpm: z.number().int().positive().optional(),
      connections: z.number().int().positive().optional(),
      burstMultiplier: z.number().int().positive().default(5),
      allowlist: z.array(cidr).default([]),
    })
    .prefault({}),
  hsts: z
    .strictObject({ maxAgeSeconds: z.number().int().min(0).default(31536000), includeSubdomains: z.boolean().default(true), preload: z.boolean().default(false) })
    .prefault({}),
  timeouts: z
    .strictObject({ connectSeconds: z.number().int().positive().default(10), readSeconds: z.number().int().positive().default(900), sendSeconds: z.number().int().positive().default(900) })
    .prefault({}),
  /** nginx size syntax ("10m"): the largest request body (long prompts, embeddings batches). */
  maxBodySize: z.string().regex(/^\d+[kmg]?$/, { error: 'must be an nginx size such as "10m"' }).default("10m"),
});

export type EdgeConfig = z.output<typeof edgeConfigSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
