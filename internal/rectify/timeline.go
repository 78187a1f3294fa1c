package rectify

import (
	"encoding/json"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
)

// Event is one step in a finding's timeline: a write to the finding or to a record of its
// case (its referrals, enforcement actions, re-inspection), from the audit trail.
type Event struct {
	At       string          `json:"at"`
	Coll     string          `json:"coll"`
	RecordID string          `json:"record_id"`
	Action   string          `json:"action"`
	Door     string          `json:"door"`
	Actor    string          `json:"actor_id"`
	Kind     string          `json:"actor_kind"`
	Changes  json.RawMessage `json:"changes"`
}

// Timeline returns everything finding f went through, oldest first.
func Timeline(app core.App, f *core.Record) ([]Event, error) {
	ids := []any{f.Id}
	for _, q := range []struct{ coll, field string }{
		{schema.Referrals, "finding"}, {schema.Enforcements, "finding"},
	} {
		var more []string
		if err := app.DB().Select("id").From(q.coll).Where(dbx.HashExp{q.field: f.Id}).Column(&more); err != nil {
			return nil, err
		}
		for _, id := range more {
			ids = append(ids, id)
		}
	}
	if r := f.GetString("reinspection"); r != "" {
		ids = append(ids, r)
	}
	var rows []struct {
		Created string `db:"created"`
		Coll    string `db:"coll"`
		Record  string `db:"record_id"`
		Action  string `db:"action"`
		Door    string `db:"door"`
		Actor   string `db:"actor_id"`
		Kind    string `db:"actor_kind"`
		Changes string `db:"changes"`
	}
	err := app.DB().Select("created", "coll", "record_id", "action", "door", "actor_id", "actor_kind", "changes").
		From(schema.AuditLog).Where(dbx.In("record_id", ids...)).OrderBy("created", "rowid").All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{At: r.Created, Coll: r.Coll, RecordID: r.Record, Action: r.Action, Door: r.Door,
			Actor: r.Actor, Kind: r.Kind, Changes: json.RawMessage(r.Changes)}
	}
	return out, nil
}

// errNoFinding is the answer for a finding that does not exist or that the caller may not view,
// with the code and words of the papers' 404 (internal/notice).
var errNoFinding = fault.New(fault.NotExist, "not_found", "记录不存在", "no such record")

// handleTimeline serves GET /api/fs/findings/{id}/timeline to whoever may view the finding;
// anyone else gets the same 404 as for a finding that does not exist.
func handleTimeline(e *core.RequestEvent) error {
	notFound := func() error { return e.JSON(errNoFinding.Status(), errNoFinding.Body()) }
	f, err := e.App.FindRecordById(schema.Findings, e.Request.PathValue("id"))
	if err != nil {
		return notFound()
	}
	info, err := e.RequestInfo()
	if err != nil {
		return e.BadRequestError("", err)
	}
	if ok, err := e.App.CanAccessRecord(f, info, f.Collection().ViewRule); err != nil || !ok {
		return notFound()
	}
	events, err := Timeline(e.App, f)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if events, err = viewable(e.App, info, f, events); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"finding": f.Id, "events": events})
}

// viewable keeps the events of the records the reader may view through REST: the finding
// (already checked) and, of its referrals, enforcement actions and re-inspection, those its
// view rule lets the reader see. A finding re-referred to another agency is seen by that
// agency's staff; the earlier agency's referral, and its answer, are not theirs to read.
func viewable(app core.App, info *core.RequestInfo, f *core.Record, events []Event) ([]Event, error) {
	allowed := map[string]bool{f.Id: true}
	out := events[:0]
	for _, ev := range events {
		ok, seen := allowed[ev.RecordID]
		if !seen {
			r, err := app.FindRecordById(ev.Coll, ev.RecordID)
			if err == nil {
				ok, err = app.CanAccessRecord(r, info, r.Collection().ViewRule)
				if err != nil {
					return nil, err
				}
			}
			allowed[ev.RecordID] = ok // a record since deleted shows nothing, as REST does
		}
		if ok {
			out = append(out, ev)
		}
	}
	return out, nil
}
