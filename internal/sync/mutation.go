package sync

import (
	"encoding/json"
	"regexp"

	"github.com/haidian/fieldsync/internal/fault"
)

// PushRequest carries a client's queued mutations, in mid order.
type PushRequest struct {
	ClientID  string     `json:"client_id"`
	SentAt    string     `json:"sent_at,omitempty"` // the device clock when sending; only to measure skew
	Mutations []Mutation `json:"mutations"`
}

// Mutation is one change a client made offline. Mids number a client's mutations 1, 2, 3...
// without gaps; the server applies each exactly once.
type Mutation struct {
	MID        int64          `json:"mid"`
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

// The mutation operations.
const (
	OpCreate = "create"
	OpPatch  = "patch"
	OpVoid   = "void"
	OpCmd    = "cmd"
)

// The outcomes of a mutation. Every mutation gets exactly one, stored with it.
const (
	Applied     = "applied"     // applied as sent
	Merged      = "merged"      // applied; others had changed other fields since base_v
	Conflicted  = "conflict"    // others changed the same fields; resolved by field policy
	Rejected    = "rejected"    // a rule refused it
	Quarantined = "quarantined" // the author lost access while offline; kept for review
)

// Result is the stored outcome of one mutation.
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
	Messages  map[string]string `json:"messages,omitempty"` // each refused field's message, Chinese then English
	Conflicts []Conflict        `json:"conflicts,omitempty"`
	Issue     string            `json:"issue,omitempty"`
}

// Conflict is one field that another writer changed since the mutation's base version.
type Conflict struct {
	Field      string `json:"field"`
	Resolution string `json:"resolution"`
	Server     any    `json:"server"`
	Client     any    `json:"client"`
}

// PushResponse lists the outcome of each mutation, in order, as stored.
type PushResponse struct {
	Results []json.RawMessage `json:"results"`
	LastMID int64             `json:"last_mid"`
	decided []json.RawMessage // the outcomes this request decided (the rest were stored before)
}

// decidedCount is how many mutations the push decided; none if it stopped before applying.
func (r *PushResponse) decidedCount() int {
	if r == nil {
		return 0
	}
	return len(r.decided)
}

var recordIDPattern = regexp.MustCompile(`^[a-z0-9]{15}$`)

// validate checks the shape of m; rules about its content are the model's.
func (m Mutation) validate() *fault.Error {
	bad := func(code, zh, en string) *fault.Error { return fault.New(fault.Invalid, code, zh, en) }
	switch {
	case m.MID <= 0:
		return bad("bad_mid", "mid 必须为正整数", "mid must be a positive integer")
	case m.Op == OpCmd:
		if m.Name == "" {
			return bad("bad_command", "命令缺少名称", "a command needs a name")
		}
	case m.Op != OpCreate && m.Op != OpPatch && m.Op != OpVoid:
		return bad("bad_op", "未知的操作类型", "unknown op")
	}
	if !Synced(m.Coll) {
		return bad("unknown_collection", "该数据集不支持同步", "collection is not synced")
	}
	if !recordIDPattern.MatchString(m.ID) {
		return bad("bad_id", "记录编号须为15位小写字母或数字", "id must be 15 lowercase letters or digits")
	}
	if m.Op == OpPatch && len(m.Set) == 0 {
		return bad("empty_patch", "修改内容为空", "patch sets no field")
	}
	return nil
}
