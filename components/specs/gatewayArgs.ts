import type * as pulumi from "@pulumi/pulumi";
import type { BackupTier } from "./storage";

/** Arg types shared by LiteLLMGateway and QdrantStore. */

/** CPU and memory as Kubernetes quantities ("500m", "1Gi"). */
export interface ResourceList {
  cpu: string;
  memory: string;
}

/** CPU and memory requests and limits. */
export interface ResourceQuantities {
  requests: ResourceList;
  limits: ResourceList;
}

/** A volume the component claims. */
export interface VolumeArgs {
  size: pulumi.Input<string>;
  storageClass?: pulumi.Input<string>;
  /** Default gfs for data, daily for backups. */
  backupTier?: BackupTier;
}

/** An S3-compatible bucket; its Secret (in the component's namespace) holds AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. */
export interface S3BucketArgs {
  endpoint: string;
  bucket: string;
  /** Default us-east-1. */
  region?: string;
  /** Key prefix inside the bucket. */
  prefix?: string;
  credentialsSecret: string;
}
