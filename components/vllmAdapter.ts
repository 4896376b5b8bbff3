/**
 * The seed's module for the vLLM server. The class is VllmServer (components/vllmServer.ts): a server
 * that hosts several adapters, not an adapter. Both names are the same class; stacks that recorded the
 * seed's type token (`llm-platform:inference:VllmAdapter`) are aliased, so nothing is replaced.
 */
export { VllmServer as VllmAdapter } from "./vllmServer";
export type { VllmServerArgs as VllmAdapterArgs } from "./vllmServer";
