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
