// Input types of cert-manager.io/v1 (cert-manager v1.21.1 CRD schema), in crd2pulumi's layout.
// Hand-written in crd2pulumi's shape: crd2pulumi (a Go binary from GitHub releases) cannot be
// installed on the machine this was built on. Regenerate with scripts/regen-crds.sh where it can.
import type * as pulumi from "@pulumi/pulumi";

export namespace certmanager {
  export namespace v1 {
    export interface ObjectReferenceArgs {
      name: pulumi.Input<string>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
    }
    export interface SecretKeySelectorArgs {
      name: pulumi.Input<string>;
      key?: pulumi.Input<string>;
    }
    export interface CertificatePrivateKeyArgs {
      algorithm?: pulumi.Input<"RSA" | "ECDSA" | "Ed25519">;
      encoding?: pulumi.Input<"PKCS1" | "PKCS8">;
      rotationPolicy?: pulumi.Input<"Never" | "Always">;
      size?: pulumi.Input<number>;
    }
    export interface CertificateSpecArgs {
      secretName: pulumi.Input<string>;
      issuerRef: pulumi.Input<ObjectReferenceArgs>;
      dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
      commonName?: pulumi.Input<string>;
      duration?: pulumi.Input<string>;
      renewBefore?: pulumi.Input<string>;
      isCA?: pulumi.Input<boolean>;
      usages?: pulumi.Input<pulumi.Input<string>[]>;
      privateKey?: pulumi.Input<CertificatePrivateKeyArgs>;
      secretTemplate?: pulumi.Input<{
        annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
        labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
      }>;
      revisionHistoryLimit?: pulumi.Input<number>;
    }
    export interface ACMEChallengeSolverHTTP01IngressArgs {
      ingressClassName?: pulumi.Input<string>;
      class?: pulumi.Input<string>;
      serviceType?: pulumi.Input<string>;
    }
    /** Gateway API ParentReference, as the gatewayHTTPRoute solver takes it (sigs.k8s.io/gateway-api v1). */
    export interface GatewayParentReferenceArgs {
      name: pulumi.Input<string>;
      namespace?: pulumi.Input<string>;
      sectionName?: pulumi.Input<string>;
      port?: pulumi.Input<number>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
    }
    /** HTTP-01 through an HTTPRoute cert-manager attaches to `parentRefs` (needs its Gateway API support enabled). */
    export interface ACMEChallengeSolverHTTP01GatewayHTTPRouteArgs {
      parentRefs?: pulumi.Input<pulumi.Input<GatewayParentReferenceArgs>[]>;
      /** NodePort (cert-manager's default) or ClusterIP. */
      serviceType?: pulumi.Input<"ClusterIP" | "NodePort">;
      labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    }
    export interface ACMEChallengeSolverArgs {
      http01?: pulumi.Input<{
        ingress?: pulumi.Input<ACMEChallengeSolverHTTP01IngressArgs>;
        gatewayHTTPRoute?: pulumi.Input<ACMEChallengeSolverHTTP01GatewayHTTPRouteArgs>;
      }>;
      selector?: pulumi.Input<{ dnsNames?: pulumi.Input<pulumi.Input<string>[]>; dnsZones?: pulumi.Input<pulumi.Input<string>[]> }>;
    }
    export interface ACMEIssuerArgs {
      server: pulumi.Input<string>;
      email?: pulumi.Input<string>;
      privateKeySecretRef: pulumi.Input<SecretKeySelectorArgs>;
      solvers?: pulumi.Input<pulumi.Input<ACMEChallengeSolverArgs>[]>;
      skipTLSVerify?: pulumi.Input<boolean>;
      preferredChain?: pulumi.Input<string>;
    }
    /** Exactly one of acme, ca, selfSigned, vault, venafi. */
    export interface IssuerSpecArgs {
      acme?: pulumi.Input<ACMEIssuerArgs>;
      ca?: pulumi.Input<{ secretName: pulumi.Input<string> }>;
      selfSigned?: pulumi.Input<{ crlDistributionPoints?: pulumi.Input<pulumi.Input<string>[]> }>;
    }
    export type ClusterIssuerSpecArgs = IssuerSpecArgs;
  }
}

// Input types of gateway.networking.k8s.io/v1 (Gateway API v1.5.1, standard channel) and
// gateway.nginx.org/v1alpha1 (NGINX Gateway Fabric v2.6.7): crd2pulumi names a module after the first
// label of the CRD group, so both groups share the `gateway` module (v1 and v1alpha1). Hand-written in
// crd2pulumi's shape from those CRDs (see scripts/regen-crds.sh); only the fields this project sets
// are typed strictly, the rest of each object stays open through the CRD-validated tests.
export namespace gateway {
  export namespace v1 {
    export interface ParentReferenceArgs {
      name: pulumi.Input<string>;
      namespace?: pulumi.Input<string>;
      sectionName?: pulumi.Input<string>;
      port?: pulumi.Input<number>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
    }
    export interface SecretObjectReferenceArgs {
      name: pulumi.Input<string>;
      namespace?: pulumi.Input<string>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
    }
    export interface LabelSelectorRequirementArgs {
      key: pulumi.Input<string>;
      operator: pulumi.Input<"In" | "NotIn" | "Exists" | "DoesNotExist">;
      values?: pulumi.Input<pulumi.Input<string>[]>;
    }
    export interface RouteNamespacesArgs {
      from?: pulumi.Input<"All" | "Selector" | "Same" | "None">;
      selector?: pulumi.Input<{
        matchLabels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
        matchExpressions?: pulumi.Input<pulumi.Input<LabelSelectorRequirementArgs>[]>;
      }>;
    }
    export interface AllowedRoutesArgs {
      namespaces?: pulumi.Input<RouteNamespacesArgs>;
      kinds?: pulumi.Input<pulumi.Input<{ kind: pulumi.Input<string>; group?: pulumi.Input<string> }>[]>;
    }
    export interface ListenerArgs {
      name: pulumi.Input<string>;
      port: pulumi.Input<number>;
      protocol: pulumi.Input<string>;
      hostname?: pulumi.Input<string>;
      tls?: pulumi.Input<{ mode?: pulumi.Input<"Terminate" | "Passthrough">; certificateRefs?: pulumi.Input<pulumi.Input<SecretObjectReferenceArgs>[]> }>;
      allowedRoutes?: pulumi.Input<AllowedRoutesArgs>;
    }
    export interface GatewaySpecArgs {
      gatewayClassName: pulumi.Input<string>;
      listeners: pulumi.Input<pulumi.Input<ListenerArgs>[]>;
      infrastructure?: pulumi.Input<{
        labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
        annotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
      }>;
    }
    export interface HTTPPathMatchArgs {
      type?: pulumi.Input<"Exact" | "PathPrefix" | "RegularExpression">;
      value?: pulumi.Input<string>;
    }
    export interface HTTPRouteMatchArgs {
      path?: pulumi.Input<HTTPPathMatchArgs>;
      method?: pulumi.Input<string>;
    }
    export interface HTTPPathModifierArgs {
      type: pulumi.Input<"ReplaceFullPath" | "ReplacePrefixMatch">;
      replaceFullPath?: pulumi.Input<string>;
      replacePrefixMatch?: pulumi.Input<string>;
    }
    export interface HTTPHeaderArgs {
      name: pulumi.Input<string>;
      value: pulumi.Input<string>;
    }
    export interface HTTPHeaderFilterArgs {
      set?: pulumi.Input<pulumi.Input<HTTPHeaderArgs>[]>;
      add?: pulumi.Input<pulumi.Input<HTTPHeaderArgs>[]>;
      remove?: pulumi.Input<pulumi.Input<string>[]>;
    }
    export interface HTTPCORSFilterArgs {
      allowOrigins?: pulumi.Input<pulumi.Input<string>[]>;
      allowMethods?: pulumi.Input<pulumi.Input<string>[]>;
      allowHeaders?: pulumi.Input<pulumi.Input<string>[]>;
      exposeHeaders?: pulumi.Input<pulumi.Input<string>[]>;
      allowCredentials?: pulumi.Input<boolean>;
      maxAge?: pulumi.Input<number>;
    }
    export interface HTTPRouteFilterArgs {
      type: pulumi.Input<"RequestHeaderModifier" | "ResponseHeaderModifier" | "RequestMirror" | "RequestRedirect" | "URLRewrite" | "ExtensionRef" | "CORS">;
      urlRewrite?: pulumi.Input<{ hostname?: pulumi.Input<string>; path?: pulumi.Input<HTTPPathModifierArgs> }>;
      requestRedirect?: pulumi.Input<{
        scheme?: pulumi.Input<"http" | "https">;
        hostname?: pulumi.Input<string>;
        port?: pulumi.Input<number>;
        statusCode?: pulumi.Input<301 | 302 | 303 | 307 | 308>;
        path?: pulumi.Input<HTTPPathModifierArgs>;
      }>;
      requestHeaderModifier?: pulumi.Input<HTTPHeaderFilterArgs>;
      responseHeaderModifier?: pulumi.Input<HTTPHeaderFilterArgs>;
      cors?: pulumi.Input<HTTPCORSFilterArgs>;
    }
    export interface HTTPBackendRefArgs {
      name: pulumi.Input<string>;
      namespace?: pulumi.Input<string>;
      port?: pulumi.Input<number>;
      kind?: pulumi.Input<string>;
      group?: pulumi.Input<string>;
      weight?: pulumi.Input<number>;
    }
    export interface HTTPRouteRuleArgs {
      matches?: pulumi.Input<pulumi.Input<HTTPRouteMatchArgs>[]>;
      filters?: pulumi.Input<pulumi.Input<HTTPRouteFilterArgs>[]>;
      backendRefs?: pulumi.Input<pulumi.Input<HTTPBackendRefArgs>[]>;
    }
    export interface HTTPRouteSpecArgs {
      parentRefs?: pulumi.Input<pulumi.Input<ParentReferenceArgs>[]>;
      hostnames?: pulumi.Input<pulumi.Input<string>[]>;
      rules?: pulumi.Input<pulumi.Input<HTTPRouteRuleArgs>[]>;
    }
  }
  export namespace v1alpha1 {
    /** A policy's target in its own namespace (gateway.networking.k8s.io Gateway, HTTPRoute or GRPCRoute). */
    export interface LocalPolicyTargetReferenceArgs {
      group: pulumi.Input<string>;
      kind: pulumi.Input<string>;
      name: pulumi.Input<string>;
    }
    export interface RateLimitRuleArgs {
      /** nginx limit_req_zone key: text and variables, e.g. `$binary_remote_addr`, `$http_authorization`. */
      key: pulumi.Input<string>;
      /** `<n>r/s` or `<n>r/m`. */
      rate: pulumi.Input<string>;
      burst?: pulumi.Input<number>;
      delay?: pulumi.Input<number>;
      noDelay?: pulumi.Input<boolean>;
      zoneSize?: pulumi.Input<string>;
    }
    export interface RateLimitPolicySpecArgs {
      targetRefs: pulumi.Input<pulumi.Input<LocalPolicyTargetReferenceArgs>[]>;
      rateLimit?: pulumi.Input<{
        local?: pulumi.Input<{ rules?: pulumi.Input<pulumi.Input<RateLimitRuleArgs>[]> }>;
        rejectCode?: pulumi.Input<number>;
        logLevel?: pulumi.Input<"info" | "notice" | "warn" | "error">;
        dryRun?: pulumi.Input<boolean>;
      }>;
    }
    export interface ClientSettingsPolicySpecArgs {
      targetRef: pulumi.Input<LocalPolicyTargetReferenceArgs>;
      /** maxSize: nginx size; timeout: nginx duration (client_max_body_size, client_body_timeout). */
      body?: pulumi.Input<{ maxSize?: pulumi.Input<string>; timeout?: pulumi.Input<string> }>;
      keepAlive?: pulumi.Input<{
        requests?: pulumi.Input<number>;
        time?: pulumi.Input<string>;
        minTimeout?: pulumi.Input<string>;
        timeout?: pulumi.Input<{ server?: pulumi.Input<string>; header?: pulumi.Input<string> }>;
      }>;
    }
    export interface ProxySettingsPolicySpecArgs {
      targetRefs: pulumi.Input<pulumi.Input<LocalPolicyTargetReferenceArgs>[]>;
      buffering?: pulumi.Input<{
        disable?: pulumi.Input<boolean>;
        bufferSize?: pulumi.Input<string>;
        busyBuffersSize?: pulumi.Input<string>;
        buffers?: pulumi.Input<{ number: pulumi.Input<number>; size: pulumi.Input<string> }>;
      }>;
      timeout?: pulumi.Input<{ connect?: pulumi.Input<string>; read?: pulumi.Input<string>; send?: pulumi.Input<string> }>;
    }
  }
}

// Input types of keda.sh/v1alpha1 ScaledObject (KEDA v2.20.2 CRD schema,
// config/crd/bases/keda.sh_scaledobjects.yaml), in crd2pulumi's layout; hand-written for the same reason.
export namespace keda {
  export namespace v1alpha1 {
    export interface ScaleTargetRefArgs {
      name: pulumi.Input<string>;
      apiVersion?: pulumi.Input<string>;
      kind?: pulumi.Input<string>;
      envSourceContainerName?: pulumi.Input<string>;
    }
    export interface ScaleTriggersArgs {
      type: pulumi.Input<string>;
      /** Trigger settings; KEDA reads every value as a string. */
      metadata: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
      name?: pulumi.Input<string>;
      metricType?: pulumi.Input<"AverageValue" | "Value" | "Utilization">;
      useCachedMetrics?: pulumi.Input<boolean>;
      authenticationRef?: pulumi.Input<{ name: pulumi.Input<string>; kind?: pulumi.Input<string> }>;
    }
    export interface ScaledObjectSpecArgs {
      scaleTargetRef: pulumi.Input<ScaleTargetRefArgs>;
      triggers: pulumi.Input<pulumi.Input<ScaleTriggersArgs>[]>;
      minReplicaCount?: pulumi.Input<number>;
      maxReplicaCount?: pulumi.Input<number>;
      idleReplicaCount?: pulumi.Input<number>;
      pollingInterval?: pulumi.Input<number>;
      cooldownPeriod?: pulumi.Input<number>;
      initialCooldownPeriod?: pulumi.Input<number>;
      fallback?: pulumi.Input<{ failureThreshold: pulumi.Input<number>; replicas: pulumi.Input<number>; behavior?: pulumi.Input<string> }>;
      advanced?: pulumi.Input<{ [key: string]: any }>;
    }
  }
}
