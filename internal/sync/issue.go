package sync

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// Kinds of sync issue.
const (
	issueConflict    = "conflict"
	issueRejected    = "rejected"
	issueQuarantined = "quarantined"
)

// raiseIssue files a sync issue for the author about mutation m, so the author's phone
// receives it through the me: scope. It names the subdistrict of the record the mutation
// concerns only if the author may see that record (for a create, only if the author belongs
// to the subdistrict it names), so that its supervisors see it in their queue: an issue about
// a record hidden from the author is the same as one about a record that does not exist.
func (s *Service) raiseIssue(tx core.App, auth *core.Record, device string, m Mutation, kind string, res Result, r *core.Record) (string, error) {
	if r == nil && Synced(m.Coll) && recordIDPattern.MatchString(m.ID) {
		if found, err := tx.FindRecordById(m.Coll, m.ID); err == nil && visible(tx, auth, found) {
			r = found // the record a refused patch aimed at
		}
	}
	sd := ""
	if r != nil {
		sd = r.GetString(schema.FieldSubdistrict)
	} else if v, ok := m.Data[schema.FieldSubdistrict].(string); ok && access.ActorFromAuth(auth).InSubdistrict(v) {
		sd = v
	}
	return s.raiseIssueIn(tx, auth, device, m, kind, res, sd)
}

// visible reports whether auth may view r under its collection's view rule.
func visible(tx core.App, auth *core.Record, r *core.Record) bool {
	ok, err := tx.CanAccessRecord(r, &core.RequestInfo{Auth: auth, Method: "GET", Context: "sync"}, r.Collection().ViewRule)
	return err == nil && ok
}

func (s *Service) raiseIssueIn(tx core.App, auth *core.Record, device string, m Mutation, kind string, res Result, subdistrict string) (string, error) {
	coll, err := tx.FindCachedCollectionByNameOrId(schema.SyncIssues)
	if err != nil {
		return "", err
	}
	issue := core.NewRecord(coll)
	server, client := map[string]any{}, map[string]any{}
	for _, c := range res.Conflicts {
		server[c.Field], client[c.Field] = c.Server, c.Client
	}
	if _, err := tx.FindRecordById(schema.Subdistricts, subdistrict); err != nil {
		subdistrict = "" // a made-up subdistrict id is kept in the mutation only
	}
	issue.Load(map[string]any{
		"user": auth.Id, "subdistrict": subdistrict, "client_id": device, "mid": m.MID,
		"kind": kind, "status": "open", "coll": clip(m.Coll, 100, "-"), "record_id": clip(m.ID, 100, ""),
		"field": clip(firstConflictField(res), 100, ""), "code": res.Code, "message": clip(res.Message, 1000, ""),
		"server_value": server, "client_value": client, "mutation": keptMutation(m),
	})
	access.Attribute(issue, access.Attribution{Actor: access.System, Door: access.DoorSync})
	if err := tx.Save(issue); err != nil {
		return "", fmt.Errorf("raise sync issue: %w", err)
	}
	return issue.Id, nil
}

func firstConflictField(res Result) string {
	if len(res.Conflicts) > 0 {
		return res.Conflicts[0].Field
	}
	return ""
}

// clip fits a client-supplied string into an issue field: a malformed mutation (no
// collection, an overlong id) must still get its rejection filed, or its mid would fail
// forever and block every mutation queued after it.
func clip(s string, max int, empty string) string {
	if s == "" {
		return empty
	}
	if r := []rune(s); len(r) > max {
		return string(r[:max])
	}
	return s
}

// maxKeptMutation bounds the copy of a mutation an issue keeps.
const maxKeptMutation = 256 << 10

// keptMutation is the mutation as the issue keeps it: whole, or its identity if it is huge.
func keptMutation(m Mutation) any {
	if raw, err := json.Marshal(m); err == nil && len(raw) <= maxKeptMutation {
		return m
	}
	return map[string]any{"mid": m.MID, "op": clip(m.Op, 20, ""), "coll": clip(m.Coll, 100, ""),
		"id": clip(m.ID, 100, ""), "truncated": true}
}
