// Package rectify holds the workflow all programmes share: a supervisor's review of an
// inspection now, and the finding → order → re-inspection → closure lifecycle as it grows.
// Each step is a named, versioned sync command, so phones and REST clients go through the same
// rules.
package rectify

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
)

// ReviewCommand is the name under which phones push a supervisor's review of an inspection:
// args {"decision": "approve" | "return"}. An approved inspection is locked.
const ReviewCommand = "inspection.review@1"

var (
	errNotSupervisor = fault.New(fault.Permission, "review_needs_supervisor",
		"只有本街镇的督办主管可以审核检查记录", "only a supervisor of the subdistrict may review an inspection")
	errBadDecision = fault.New(fault.Invalid, "review_bad_decision",
		"审核结论须为 approve 或 return", "decision must be approve or return")
	errNotSubmitted = fault.New(fault.Conflict, "review_not_submitted",
		"只能审核已提交的检查记录", "only a submitted inspection can be reviewed")
)

func init() {
	sync.RegisterCommand(ReviewCommand, sync.Command{Coll: schema.Inspections, Run: review})
}

// review approves or returns a submitted inspection for a supervisor of its subdistrict.
func review(_ core.App, actor access.Actor, r *core.Record, args map[string]any) error {
	if actor.Role != access.Supervisor || !actor.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errNotSupervisor
	}
	status := map[any]string{"approve": "approved", "return": "returned"}[args["decision"]]
	if status == "" {
		return errBadDecision
	}
	if cur := r.GetString("review"); cur != "submitted" && cur != "" {
		return errNotSubmitted
	}
	r.Set("review", status)
	r.Set("reviewed_by", actor.ID)
	r.Set("reviewed_at", types.NowDateTime())
	return nil
}
