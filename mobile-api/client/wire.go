package client

// The wire types of the sync protocol, version 1, as mobile-api/openapi.yaml describes them.
// They are declared here rather than imported from the server so that this package is the
// whole contract a phone app needs to read.

// SchemaVersion is the version of the synced record shapes this client understands.
const SchemaVersion = 1

// Scope names a partition of synced data: "ref", "me:<user>", "sd:<subdistrict>" or
// "ag:<agency>". The server decides which scopes a user syncs.
type Scope string

type clientRequest struct {
	ClientID      string `json:"client_id"`
	AppVersion    string `json:"app_version"`
	SchemaVersion int    `json:"schema_version"`
}

type clientResponse struct {
	ClientID      string  `json:"client_id"`
	LastMID       int64   `json:"last_mid"`
	Scopes        []Scope `json:"scopes"`
	SchemaVersion int     `json:"schema_version"`
	Limits        Limits  `json:"limits"`
}

// Limits are the sizes the server accepts, learnt at registration.
type Limits struct {
	MaxMutations int   `json:"max_mutations"`
	MaxPullRows  int   `json:"max_pull_rows"`
	MaxBodyBytes int64 `json:"max_body_bytes"`
}

type pullRequest struct {
	ClientID  string                 `json:"client_id"`
	Scopes    map[Scope]scopeRequest `json:"scopes"`
	LimitRows int                    `json:"limit_rows,omitempty"`
}

type scopeRequest struct {
	Cursor int64 `json:"cursor"`
	Floor  int64 `json:"floor,omitzero"`
}

type pullResponse struct {
	Scopes map[Scope]*scopeResponse `json:"scopes"`
}

// Scope statuses of a pull response.
const (
	statusOK      = "ok"
	statusAdded   = "added"
	statusRemoved = "removed"
	statusReset   = "reset"
)

type scopeResponse struct {
	Status   string   `json:"status"`
	Cursor   int64    `json:"cursor"`
	Floor    int64    `json:"floor,omitzero"`
	HasMore  bool     `json:"has_more"`
	Changes  []change `json:"changes"`
	Checksum string   `json:"checksum,omitempty"`
}

type change struct {
	Seq  int64          `json:"seq"`
	Coll string         `json:"coll"`
	ID   string         `json:"id"`
	Op   string         `json:"op"` // "put" or "remove"
	V    int64          `json:"v"`
	Data map[string]any `json:"data,omitempty"`
}

type pushRequest struct {
	ClientID  string     `json:"client_id"`
	SentAt    string     `json:"sent_at,omitempty"`
	Mutations []mutation `json:"mutations"`
}

// The mutation operations.
const (
	opCreate = "create"
	opPatch  = "patch"
	opVoid   = "void"
	opCmd    = "cmd"
)

// mutation is one queued change. The outbox stores it without its mid, which is the row key.
type mutation struct {
	MID        int64          `json:"mid,omitempty"`
	Op         string         `json:"op"`
	Coll       string         `json:"coll"`
	ID         string         `json:"id"`
	BaseV      int64          `json:"base_v,omitempty"`
	Data       map[string]any `json:"data,omitempty"`
	Set        map[string]any `json:"set,omitempty"`
	Name       string         `json:"name,omitempty"`
	Args       map[string]any `json:"args,omitempty"`
	DeviceTime string         `json:"device_time,omitempty"`
}

// The outcomes of a pushed mutation.
const (
	Applied     = "applied"     // applied as sent
	Merged      = "merged"      // applied; others had changed other fields meanwhile
	Conflicted  = "conflict"    // others changed the same fields; the server's field policy decided
	Rejected    = "rejected"    // a rule refused it; nothing changed on the server
	Quarantined = "quarantined" // the author lost access while offline; kept for a supervisor
)

// Result is the server's stored outcome of one mutation.
type Result struct {
	MID       int64             `json:"mid"`
	Outcome   string            `json:"outcome"`
	Coll      string            `json:"coll,omitempty"`
	ID        string            `json:"id,omitempty"`
	V         int64             `json:"v,omitempty"`
	Seq       int64             `json:"seq,omitempty"`
	Code      string            `json:"code,omitempty"`
	Message   string            `json:"message,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	Conflicts []Conflict        `json:"conflicts,omitempty"`
	Issue     string            `json:"issue,omitempty"`
}

// Conflict is one field another writer changed since the mutation's base version.
type Conflict struct {
	Field      string `json:"field"`
	Resolution string `json:"resolution"`
	Server     any    `json:"server"`
	Client     any    `json:"client"`
}

// changed reports whether the outcome changed the record on the server.
func (r Result) changed() bool { return r.Outcome != Rejected && r.Outcome != Quarantined }

// noteworthy reports whether the inspector must be told about the outcome.
func (r Result) noteworthy() bool {
	return r.Outcome == Conflicted || r.Outcome == Rejected || r.Outcome == Quarantined
}

type pushResponse struct {
	Results []Result `json:"results"`
	LastMID int64    `json:"last_mid"`
}

// errorBody is the shape of every error the protocol returns; a mid gap adds the last three.
type errorBody struct {
	Status      int      `json:"status"`
	Code        string   `json:"code"`
	Message     string   `json:"message"`
	ExpectedMID int64    `json:"expected_mid"`
	Results     []Result `json:"results"`
	LastMID     int64    `json:"last_mid"`
	Data        struct {
		RetryAfter int `json:"retry_after"` // 503 sync_busy: seconds to wait
	} `json:"data"`
}
