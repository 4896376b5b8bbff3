import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { applyOverride, type Overrides } from "./specs/merge";
import { volumeClaimSpec, type BackupTier } from "./specs/storage";
import {
  servedModelNames,
  vllmBaseUrl,
  vllmDeploymentSpec,
  vllmServiceSpec,
  type VllmServerSpecArgs,
} from "./specs/vllm";

export interface VllmAdapterArgs extends Omit<VllmServerSpecArgs, "adapterClaims"> {
  /** Each hosted adapter gets its own ReadWriteOnce volume (LoRA weights, adapter data). */
  adapterVolume: { size: string; storageClass?: string; backupTier: BackupTier; backupTierLabel: string };
  /** protect + retainOnDelete on the adapter volumes. */
  protectVolumes: boolean;
  overrides?: Overrides<{
    deployment: k8s.apps.v1.DeploymentArgs;
    service: k8s.core.v1.ServiceArgs;
    adapterVolume: k8s.core.v1.PersistentVolumeClaimArgs;
  }>;
}

/**
 * One vLLM server: a Deployment and Service serving a base model under its own name, the
 * adapters that alias it, and the adapters it serves as LoRA modules, each with its RWO volume.
 */
export class VllmAdapter extends pulumi.ComponentResource {
  public readonly deployment: k8s.apps.v1.Deployment;
  public readonly service: k8s.core.v1.Service;
  public readonly adapterVolumes: Record<string, k8s.core.v1.PersistentVolumeClaim> = {};
  /** OpenAI-compatible base URL inside the cluster. */
  public readonly baseUrl: string;
  public readonly servedModelNames: string[];

  constructor(name: string, args: VllmAdapterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("llm-platform:inference:VllmAdapter", name, {}, opts);

    const adapterClaims: Record<string, string> = {};
    for (const adapter of args.adapters) {
      const claimName = `adapter-${adapter.name}`;
      const claim = volumeClaimSpec({
        name: claimName,
        namespace: args.namespace,
        size: args.adapterVolume.size,
        storageClass: args.adapterVolume.storageClass,
        accessMode: "ReadWriteOnce",
        backupTier: args.adapterVolume.backupTier,
        backupTierLabel: args.adapterVolume.backupTierLabel,
        labels: { "llm-platform.io/adapter": adapter.name },
      });
      const pvc = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-adapter-${adapter.name}`,
        applyOverride(args.overrides, "adapterVolume", claim),
        { parent: this, protect: args.protectVolumes, retainOnDelete: args.protectVolumes },
      );
      this.adapterVolumes[adapter.name] = pvc;
      adapterClaims[adapter.name] = claimName;
    }

    const spec: VllmServerSpecArgs = { ...args, adapterClaims };
    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      applyOverride(args.overrides, "deployment", vllmDeploymentSpec(spec)),
      { parent: this, dependsOn: Object.values(this.adapterVolumes) },
    );
    this.service = new k8s.core.v1.Service(`${name}-service`, applyOverride(args.overrides, "service", vllmServiceSpec(spec)), {
      parent: this,
    });
    this.baseUrl = vllmBaseUrl(args.name, args.namespace);
    this.servedModelNames = servedModelNames(args.name, args.adapters);

    this.registerOutputs({
      deployment: this.deployment.metadata.name,
      service: this.service.metadata.name,
      baseUrl: this.baseUrl,
      servedModelNames: this.servedModelNames,
    });
  }
}
