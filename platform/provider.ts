import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/schema";

/** The explicit Kubernetes provider's Pulumi name: `urn:pulumi:<stack>::llm-platform::pulumi:providers:kubernetes::cluster`. */
export const CLUSTER_PROVIDER = "cluster";

/**
 * The provider's inputs from `llm-platform:cluster`: only the kubeconfig context.
 *
 * - No `kubeconfig`: the credentials stay in the operator's kubeconfig, not in the stack's state.
 * - No `clusterIdentifier`: pulumi-kubernetes replaces every resource of a provider whose
 *   clusterIdentifier changes (provider/pkg/provider/provider.go `DiffConfig`, v4.32.0+27 at commit
 *   94977969), which would turn an edit of `cluster.identity` into a plan to recreate the whole stack
 *   — against whatever the context then reaches. The identity is checked by `npm run doctor`
 *   instead, and `npm run plan -- --base` refuses a change of it (plan/diff.ts).
 *
 * With no `kubeconfig` input, DiffConfig finds no active cluster to compare (`getActiveClusterFromConfig`
 * in provider/pkg/provider/util.go returns false for an empty kubeconfig), so a change of `context`
 * is an update of the provider, never a replacement of what it manages.
 */
export function clusterProviderArgs(config: PlatformConfig): k8s.ProviderArgs {
  return config.cluster.context ? { context: config.cluster.context } : {};
}

/**
 * The stack's one Kubernetes provider. Every Kubernetes resource is created through it: index.ts
 * passes it to every top-level component (whose children inherit it) and to the resources platform/
 * declares itself, so no resource uses Pulumi's default provider, which follows the kubeconfig's
 * current context.
 */
export function deployClusterProvider(config: PlatformConfig): k8s.Provider {
  return new k8s.Provider(CLUSTER_PROVIDER, clusterProviderArgs(config));
}

/** Resource options that put a resource, or every child of a component, on the stack's provider. */
export function onProvider(provider: k8s.Provider | undefined): Pick<pulumi.CustomResourceOptions, "provider"> {
  return provider ? { provider } : {};
}
