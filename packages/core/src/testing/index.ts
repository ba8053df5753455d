/**
 * @trace-ts/core/testing — test doubles for code built on trace-ts. Import from
 * `@trace-ts/core/testing` in your tests; nothing here is meant for production use.
 */

export * from "./optimizer-conformance.js";
export { fillTo, measureParseWork, type ParseWork } from "./parse-work.js";
export {
  ScriptExhaustedError,
  type ScriptedCall,
  ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedResponder,
  type ScriptedResponse,
  type ScriptedResult,
  type ScriptedToolCall,
} from "./scripted-model.js";
export { stubServerForTests, type TestHooks } from "./stub-lifecycle.js";
export {
  anthropicMessageResponse,
  openAIChatResponse,
  type StubBodyOptions,
  type StubHandler,
  type StubReply,
  type StubRequest,
  type StubServer,
  type StubServerOptions,
  startStubServer,
  stubErrorBody,
} from "./stub-server.js";
export { collectWarnings } from "./warnings.js";
