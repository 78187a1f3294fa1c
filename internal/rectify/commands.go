package rectify

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
)

// The lifecycle's commands. Each checks who may take the step; the step's invariants (what a
// status needs, which moves are allowed) are checkFinding's, enforced on every save.
const (
	OrderCommand       = "finding.order@1"       // {deadline, responsible_party}
	AcknowledgeCommand = "finding.acknowledge@1" // {name}: the responsible party signs
	ReinspectCommand   = "finding.reinspect@1"   // {inspection}: a re-inspection of the place
	CloseCommand       = "finding.close@1"       // {}
	ReturnCommand      = "finding.return@1"      // {reason}: a supervisor sends it back
)

func init() {
	for name, run := range map[string]func(core.App, access.Actor, *core.Record, map[string]any) error{
		OrderCommand: order, AcknowledgeCommand: acknowledge, ReinspectCommand: reinspect,
		CloseCommand: closeFinding, ReturnCommand: returnFinding,
	} {
		sync.RegisterCommand(name, sync.Command{Coll: schema.Findings, Run: run})
	}
}

var (
	errNotFieldStaff = fault.New(fault.Permission, "finding_needs_field_staff",
		"只有本街镇的巡查员或督办主管可以办理", "only an inspector or supervisor of the subdistrict may take this step")
	errNeedsSupervisor = fault.New(fault.Permission, "finding_needs_supervisor",
		"此步骤须由本街镇督办主管办理", "only a supervisor of the subdistrict may take this step")
	errNoInspection = fault.New(fault.Invalid, "finding_reinspection_missing",
		"请指定复查记录", "name the re-inspection")
	errNoReason = fault.New(fault.Invalid, "finding_reason_missing", "请写明理由", "give a reason")
)

func fieldStaffOf(a access.Actor, r *core.Record) error {
	if !a.FieldStaff() || !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errNotFieldStaff
	}
	return nil
}

func supervisorOf(a access.Actor, r *core.Record) error {
	if a.Role != access.Supervisor || !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errNeedsSupervisor
	}
	return nil
}

// order orders rectification by a deadline. Inspectors order what they found; changing an
// existing order (a new deadline) is a supervisor's call.
func order(_ core.App, a access.Actor, r *core.Record, args map[string]any) error {
	check := fieldStaffOf
	if r.GetString(schema.FieldStatus) != Open {
		check = supervisorOf
	}
	if err := check(a, r); err != nil {
		return err
	}
	r.Set("deadline", args["deadline"])
	r.Set("responsible_party", cast.ToString(args["responsible_party"]))
	r.Set(schema.FieldStatus, Ordered)
	r.Set("ordered_at", types.NowDateTime())
	return nil
}

func acknowledge(_ core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := fieldStaffOf(a, r); err != nil {
		return err
	}
	r.Set("acknowledged_by_name", cast.ToString(args["name"]))
	r.Set("acknowledged_at", types.NowDateTime())
	r.Set(schema.FieldStatus, Acknowledged)
	return nil
}

// reinspect links a re-inspection: a passing one moves the finding to re-inspected, a failing
// one returns it for further rectification.
func reinspect(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := fieldStaffOf(a, r); err != nil {
		return err
	}
	id := cast.ToString(args["inspection"])
	insp, err := app.FindRecordById(schema.Inspections, id)
	if err != nil || insp.GetString(schema.FieldSubdistrict) != r.GetString(schema.FieldSubdistrict) {
		return errNoInspection
	}
	r.Set("reinspection", id)
	if insp.GetString("result") == "pass" {
		r.Set(schema.FieldStatus, Reinspected)
		return nil
	}
	r.Set(schema.FieldStatus, Returned)
	r.Set("return_reason", "复查不合格 / the re-inspection failed")
	return nil
}

// closeFinding closes a re-inspected finding. A supervised (major) one needs a supervisor.
func closeFinding(_ core.App, a access.Actor, r *core.Record, _ map[string]any) error {
	check := fieldStaffOf
	if r.GetBool("supervised") {
		check = supervisorOf
	}
	if err := check(a, r); err != nil {
		return err
	}
	r.Set(schema.FieldStatus, Closed)
	r.Set("closed_by", a.ID)
	r.Set("closed_at", types.NowDateTime())
	return nil
}

func returnFinding(_ core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := supervisorOf(a, r); err != nil {
		return err
	}
	reason := cast.ToString(args["reason"])
	if reason == "" {
		return errNoReason
	}
	r.Set(schema.FieldStatus, Returned)
	r.Set("return_reason", reason)
	return nil
}
