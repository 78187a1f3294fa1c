package sync

import (
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

// raiseIssue files a sync issue for the author about mutation m, in the subdistrict of the
// record it concerns (when there is one), so the author's phone receives it through the me:
// scope and supervisors of that subdistrict see it in their queue.
func (s *Service) raiseIssue(tx core.App, auth *core.Record, device string, m Mutation, kind string, res Result, r *core.Record) (string, error) {
	if r == nil && Synced(m.Coll) && recordIDPattern.MatchString(m.ID) {
		r, _ = tx.FindRecordById(m.Coll, m.ID) // the record a refused patch aimed at
	}
	sd := ""
	if r != nil {
		sd = r.GetString(schema.FieldSubdistrict)
	} else if v, ok := m.Data[schema.FieldSubdistrict].(string); ok {
		sd = v
	}
	return s.raiseIssueIn(tx, auth, device, m, kind, res, sd)
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
		"kind": kind, "status": "open", "coll": m.Coll, "record_id": m.ID,
		"field": firstConflictField(res), "code": res.Code, "message": res.Message,
		"server_value": server, "client_value": client, "mutation": m,
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
