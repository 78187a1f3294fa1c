package tutoring

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/vocab"
)

// DecideCommand records the rectification opinion of a centre's registration form (整改意见):
// args {outcome: guide_licence | rectify | stop | "" to withdraw it, deadline}. Only a
// supervisor of the centre's subdistrict decides; the centre rules apply the outcome (a stop
// stops the centre; guiding and rectifying need the deadline). No outcome moves a centre on or
// off a list: the lists are the education commission's decisions (decisions.go).
const DecideCommand = "centre.decide@1"

func init() {
	sync.RegisterCommand(DecideCommand, sync.Command{Coll: schema.Centres, Run: decide})
}

var (
	errNeedsSupervisor = fault.New(fault.Permission, "centre_needs_supervisor",
		"整改意见须由本街镇督办主管提出", "only a supervisor of the subdistrict gives the rectification opinion")
	errBadOutcome = fault.New(fault.Invalid, "centre_outcome_invalid",
		"整改意见应为引导领证、限期整改或停止办学", "outcome must be guide_licence, rectify or stop")
)

func decide(_ core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if a.Role != access.Supervisor || !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errNeedsSupervisor
	}
	outcome := cast.ToString(args["outcome"])
	if outcome != "" && !vocab.CentreOutcome.Has(outcome) {
		return errBadOutcome
	}
	r.Set("outcome", outcome)
	r.Set("outcome_deadline", args["deadline"])
	// A new opinion is followed afresh: the deadline job escalates a 限期整改 left unmet.
	r.Set("outcome_escalated_at", "")
	if outcome == "" && r.GetString(schema.FieldStatus) == Stopped {
		r.Set(schema.FieldStatus, Operating) // withdrawing a stop reopens the centre
	}
	return nil
}
