import * as tls from "node:tls";
import { tlsOptions, TransportError, type Endpoint } from "./http";

const DAY_MS = 86_400_000;

/** The certificate the edge presents for its host, read without trusting it (so the reason can be named). */
export interface CertificateInfo {
  /** The chain verifies against the trusted roots (Node's bundle plus `--ca`). */
  chainTrusted: boolean;
  /** OpenSSL's reason when it does not (`DEPTH_ZERO_SELF_SIGNED_CERT`, `CERT_HAS_EXPIRED`, …). */
  chainError?: string;
  /** Undefined when the certificate covers the host, else why not. */
  nameError?: string;
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  latencyMs: number;
}

const cn = (name: tls.PeerCertificate["subject"] | undefined): string => {
  const value = name?.CN ?? name?.O;
  return Array.isArray(value) ? value.join(", ") : (value ?? "?");
};

/** Connects to the endpoint (SNI = the edge host) and reads the leaf certificate. */
export function inspectCertificate(endpoint: Endpoint, timeoutMs: number): Promise<CertificateInfo> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: endpoint.baseUrl.hostname.replace(/^\[|\]$/g, ""),
      port: Number(endpoint.baseUrl.port || 443),
      ...tlsOptions(endpoint),
      // Verify by hand below: a refused handshake would hide which of chain, name or dates is wrong.
      rejectUnauthorized: false,
      // Name checked separately, against the edge host even when connecting to an IP (a port-forward).
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error(`no TLS handshake within ${timeoutMs} ms`), { code: "TIMEOUT" })), timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate(false);
      const chainError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      socket.end();
      if (!cert || !cert.valid_to) {
        reject(new TransportError("the server presented no certificate", "NO_CERT", performance.now() - started, 1));
        return;
      }
      resolve({
        chainTrusted: chainError === undefined,
        chainError,
        nameError: tls.checkServerIdentity(endpoint.hostName, cert)?.message,
        subject: cn(cert.subject),
        issuer: cn(cert.issuer),
        validFrom: new Date(cert.valid_from),
        validTo: new Date(cert.valid_to),
        latencyMs: performance.now() - started,
      });
    });
    socket.once("error", (error: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(new TransportError(error.message, error.code ?? "ERROR", performance.now() - started, 1));
    });
  });
}

export interface Judgement {
  result: "pass" | "warn" | "fail";
  detail: string;
  /** What to look at next (failures and warnings). */
  hint?: string;
}

/** ingress-nginx serves this self-signed certificate when an Ingress's TLS Secret is missing or invalid. */
const NGINX_FAKE_CERT = "Kubernetes Ingress Controller Fake Certificate";

/**
 * Judges the certificate: trusted chain, covers the host, inside its validity window, and more than
 * `warnDays` days left (cert-manager renews at two thirds of the lifetime, ~30 days before a 90-day
 * Let's Encrypt certificate expires, so little time left means renewal is failing).
 */
export function judgeCertificate(
  info: CertificateInfo,
  context: { host: string; warnDays: number; now: Date; acme?: "staging" | "production"; certificateHint: string },
): Judgement {
  const until = info.validTo.toISOString().slice(0, 10);
  const leftMs = info.validTo.getTime() - context.now.getTime();
  const days = Math.floor(leftMs / DAY_MS);
  const who = `CN=${info.subject}, issuer ${info.issuer}`;
  if (info.subject === NGINX_FAKE_CERT) {
    return {
      result: "fail",
      detail: `the controller's fake default certificate is served for ${context.host}: the TLS Secret is missing or not issued yet`,
      hint: context.certificateHint,
    };
  }
  if (info.nameError) return { result: "fail", detail: `${who} does not cover ${context.host}: ${info.nameError}`, hint: context.certificateHint };
  if (context.now.getTime() < info.validFrom.getTime()) {
    return { result: "fail", detail: `${who} is not valid before ${info.validFrom.toISOString()}`, hint: "check the clock of this machine and of the cluster" };
  }
  if (leftMs <= 0) return { result: "fail", detail: `${who} expired on ${until}`, hint: context.certificateHint };
  if (!info.chainTrusted) {
    const staging =
      context.acme === "staging"
        ? "; this stack uses Let's Encrypt staging, whose roots are untrusted by design: pass --ca with them (https://letsencrypt.org/docs/staging-environment/)"
        : "";
    return { result: "fail", detail: `${who} is not trusted: ${info.chainError}${staging}`, hint: staging ? undefined : context.certificateHint };
  }
  if (leftMs < context.warnDays * DAY_MS) {
    return {
      result: "warn",
      detail: `${who} expires on ${until}, ${days} day(s) left (under ${context.warnDays}): cert-manager should have renewed it by now`,
      hint: context.certificateHint,
    };
  }
  return { result: "pass", detail: `${who}, valid until ${until} (${days} days left)` };
}

/**
 * Judges the answer to a plain-HTTP request: a permanent redirect (308 keeps a POST a POST, as the
 * edge is configured; 301 is accepted) to the same path on `https://<host>`.
 */
export function judgeRedirect(status: number, location: string | undefined, context: { host: string; path: string }): Judgement {
  const expected = `https://${context.host}${context.path}`;
  if (status !== 308 && status !== 301) {
    return { result: "fail", detail: `HTTP ${status}${location ? ` → ${location}` : ""}, expected 308 (or 301) → ${expected}` };
  }
  if (!location) return { result: "fail", detail: `HTTP ${status} without a Location header, expected → ${expected}` };
  let target: URL;
  try {
    target = new URL(location, `http://${context.host}`);
  } catch {
    return { result: "fail", detail: `HTTP ${status} → unparsable Location "${location}"` };
  }
  if (target.protocol !== "https:" || target.hostname !== context.host || target.pathname !== context.path) {
    return { result: "fail", detail: `HTTP ${status} → ${location}, expected → ${expected}` };
  }
  return { result: "pass", detail: `HTTP ${status} → ${location}` };
}
