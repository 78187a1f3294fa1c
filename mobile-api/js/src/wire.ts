// The wire types of the sync protocol, version 1, as mobile-api/openapi.yaml describes them.

/** The record-shape version this SDK was built for (openapi.yaml info.x-fieldsync-schema-version). */
export const SCHEMA_VERSION = 1;

export type Scope = string;

export interface Limits {
  max_mutations: number;
  max_pull_rows: number;
  max_body_bytes: number;
}

export interface ClientResponse {
  client_id: string;
  last_mid: number;
  scopes: Scope[];
  schema_version: number;
  limits: Limits;
}

export interface ScopeRequest {
  cursor: number;
  floor?: number;
}

export type ScopeStatus = "ok" | "added" | "removed" | "reset";

export interface Change {
  seq: number;
  coll: string;
  id: string;
  op: "put" | "remove";
  v: number;
  data?: Record<string, unknown>;
}

export interface ScopeResponse {
  status: ScopeStatus;
  cursor: number;
  floor?: number;
  has_more: boolean;
  changes: Change[];
  checksum?: string;
}

export interface PullResponse {
  scopes: Record<Scope, ScopeResponse>;
}

export type Op = "create" | "patch" | "void" | "cmd";

/** One queued change, as pushed. */
export interface Mutation {
  mid: number;
  op: Op;
  coll: string;
  id: string;
  base_v?: number;
  data?: Record<string, unknown>;
  set?: Record<string, unknown>;
  name?: string;
  args?: Record<string, unknown>;
  device_time?: string;
}

export type Outcome = "applied" | "merged" | "conflict" | "rejected" | "quarantined";

export interface Conflict {
  field: string;
  resolution: string;
  server: unknown;
  client: unknown;
}

/** The server's stored outcome of one mutation. */
export interface Result {
  mid: number;
  outcome: Outcome;
  coll?: string;
  id?: string;
  v?: number;
  seq?: number;
  code?: string;
  message?: string;
  fields?: Record<string, string>;
  /** Each refused field's message, Chinese then English ("不能为空 / cannot be blank"). */
  messages?: Record<string, string>;
  conflicts?: Conflict[];
  issue?: string;
}

export interface PushResponse {
  results: Result[];
  last_mid: number;
}

export interface ErrorBody {
  status: number;
  code?: string;
  message: string;
  data?: Record<string, unknown>;
  expected_mid?: number;
  results?: Result[];
  last_mid?: number;
}

/** An outcome that changed the record on the server. */
export const changed = (r: Result) => r.outcome !== "rejected" && r.outcome !== "quarantined";
/** An outcome the inspector must be told about. */
export const noteworthy = (r: Result) => r.outcome === "conflict" || r.outcome === "rejected" || r.outcome === "quarantined";
