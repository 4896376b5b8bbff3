// Output types of cert-manager.io/v1 (status fields), in crd2pulumi's layout. See input.ts for provenance.
export namespace certmanager {
  export namespace v1 {
    export interface Condition {
      type: string;
      status: "True" | "False" | "Unknown";
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }
    export interface CertificateStatus {
      conditions?: Condition[];
      notAfter?: string;
      notBefore?: string;
      renewalTime?: string;
      revision?: number;
    }
    export interface IssuerStatus {
      conditions?: Condition[];
      acme?: { uri?: string; lastRegisteredEmail?: string };
    }
  }
}

// Status of gateway.networking.k8s.io/v1 and gateway.nginx.org/v1alpha1 objects (see input.ts for provenance).
export namespace gateway {
  export namespace v1 {
    export interface Condition {
      type: string;
      status: "True" | "False" | "Unknown";
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
      observedGeneration?: number;
    }
    export interface GatewayStatus {
      addresses?: { type?: string; value: string }[];
      conditions?: Condition[];
      listeners?: { name: string; attachedRoutes: number; conditions: Condition[] }[];
    }
    export interface RouteStatus {
      parents?: { parentRef: { name: string; namespace?: string; sectionName?: string }; controllerName: string; conditions?: Condition[] }[];
    }
  }
  export namespace v1alpha1 {
    export interface PolicyStatus {
      ancestors?: { ancestorRef: { name: string; namespace?: string; kind?: string; group?: string }; controllerName: string; conditions?: v1.Condition[] }[];
    }
  }
}

// Output types of keda.sh/v1alpha1 ScaledObject (status), KEDA v2.20.2.
export namespace keda {
  export namespace v1alpha1 {
    export interface ScaledObjectStatus {
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
      hpaName?: string;
      originalReplicaCount?: number;
      lastActiveTime?: string;
      scaleTargetKind?: string;
    }
  }
}
