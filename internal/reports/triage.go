package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/fault"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/sync"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The triage commands. Supervisors of the report's subdistrict assign, reject and close; the
// assigned inspector (or a supervisor) links what was done on the ground: the inspection and
// the finding. Once linked to a finding, a report follows the finding's lifecycle.
const (
	AssignCommand  = "report.assign@1"  // {inspector}
	LinkCommand    = "report.link@1"    // {finding}: an existing or new finding of the case
	InspectCommand = "report.inspect@1" // {inspection}: the inspection that checked the report
	RejectCommand  = "report.reject@1"  // {reason}: shown to the reporter
	CloseCommand   = "report.close@1"   // {reason}: handled without a fix (none needed, or beyond reach)
)

func init() {
	for name, run := range map[string]func(core.App, access.Actor, *core.Record, map[string]any) error{
		AssignCommand: assign, LinkCommand: link, InspectCommand: inspect, RejectCommand: reject, CloseCommand: closeReport,
	} {
		sync.RegisterCommand(name, sync.Command{Coll: schema.Reports, Run: run})
	}
}

var (
	errNeedsSupervisor = fault.New(fault.Permission, "report_needs_supervisor",
		"此步骤须由本街镇督办主管办理", "only a supervisor of the subdistrict may take this step")
	errNeedsHandler = fault.New(fault.Permission, "report_needs_handler",
		"只有被分派的巡查员或本街镇督办主管可以办理", "only the assigned inspector or a supervisor of the subdistrict may take this step")
	errBadState = fault.New(fault.Conflict, "report_bad_state",
		"举报当前状态下不能办理此步骤", "the report's status does not allow this step")
	errInspector = fault.New(fault.Invalid, "report_inspector_invalid",
		"请指定本街镇的巡查员", "name an inspector of the subdistrict")
	errFinding = fault.New(fault.Invalid, "report_finding_invalid",
		"请指定本街镇的一条隐患或问题记录", "name a finding of the subdistrict")
	errInspection = fault.New(fault.Invalid, "report_inspection_invalid",
		"请指定本街镇的一次检查记录", "name an inspection of the subdistrict")
	errReason = fault.New(fault.Invalid, "report_reason_missing",
		"请写明给举报人的理由（1000 字以内）", "give the reporter a reason (1000 characters at most)")
	errFindingOpen = fault.New(fault.Conflict, "report_finding_open",
		"关联的问题尚未整改销账，不能办结", "the linked finding is not closed yet")
)

func supervisorOf(a access.Actor, r *core.Record) error {
	if a.Role != access.Supervisor || !a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errNeedsSupervisor
	}
	return nil
}

func handlerOf(a access.Actor, r *core.Record) error {
	if supervisorOf(a, r) == nil ||
		a.FieldStaff() && a.InSubdistrict(r.GetString(schema.FieldSubdistrict)) && a.ID == r.GetString("assigned_to") {
		return nil
	}
	return errNeedsHandler
}

func inStatus(r *core.Record, statuses ...string) error {
	if !slices.Contains(statuses, r.GetString(schema.FieldStatus)) {
		return errBadState
	}
	return nil
}

// assign gives the report to an inspector of its subdistrict, whose phone gets the report
// (sd: scope) and a notification (me: scope) on the next pull.
func assign(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := supervisorOf(a, r); err != nil {
		return err
	}
	if err := inStatus(r, "received", "triaged", "inspected", "ordered", "disputed"); err != nil {
		return err
	}
	u, err := app.FindRecordById(schema.Users, cast.ToString(args["inspector"]))
	if err != nil {
		return errInspector
	}
	if who := access.ActorFromAuth(u); !who.FieldStaff() || !who.InSubdistrict(r.GetString(schema.FieldSubdistrict)) {
		return errInspector
	}
	r.Set("assigned_to", u.Id)
	if s := r.GetString(schema.FieldStatus); s == "received" || s == "disputed" {
		r.Set(schema.FieldStatus, "triaged")
	}
	where := r.GetString("address")
	msg := fmt.Sprintf("群众举报 %s（%s）请您核查：%s", r.GetString("tracking_no"),
		label(vocab.ReportCategory, r.GetString("category")).ZH, where)
	return notify(app, []string{u.Id}, "report_assigned", r, msg)
}

// link links the finding that records the case; the report's status then follows it.
func link(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := handlerOf(a, r); err != nil {
		return err
	}
	if err := inStatus(r, "received", "triaged", "inspected", "ordered", "disputed"); err != nil {
		return err
	}
	f, err := app.FindRecordById(schema.Findings, cast.ToString(args["finding"]))
	if err != nil || f.GetBool("voided") || f.GetString(schema.FieldSubdistrict) != r.GetString(schema.FieldSubdistrict) {
		return errFinding
	}
	r.Set("finding", f.Id)
	applyFinding(r, f)
	return nil
}

// inspect records the inspection that checked the report.
func inspect(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := handlerOf(a, r); err != nil {
		return err
	}
	if err := inStatus(r, "received", "triaged", "inspected", "ordered", "disputed"); err != nil {
		return err
	}
	insp, err := app.FindRecordById(schema.Inspections, cast.ToString(args["inspection"]))
	if err != nil || insp.GetBool("voided") || insp.GetString(schema.FieldSubdistrict) != r.GetString(schema.FieldSubdistrict) {
		return errInspection
	}
	r.Set("inspection", insp.Id)
	if s := r.GetString(schema.FieldStatus); s == "received" || s == "triaged" || s == "disputed" {
		r.Set(schema.FieldStatus, "inspected")
	}
	return nil
}

func reason(args map[string]any) (string, error) {
	text := strings.TrimSpace(cast.ToString(args["reason"]))
	if text == "" || len([]rune(text)) > 1000 {
		return "", errReason
	}
	return text, nil
}

func reject(_ core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := supervisorOf(a, r); err != nil {
		return err
	}
	if err := inStatus(r, "received", "triaged"); err != nil {
		return err
	}
	text, err := reason(args)
	if err != nil {
		return err
	}
	r.Set("resolution", text)
	r.Set(schema.FieldStatus, "rejected")
	return nil
}

// closeReport ends a report that needs no fix, or whose fix stands. "Closed" is never "fixed":
// a report with an unclosed finding cannot be closed.
func closeReport(app core.App, a access.Actor, r *core.Record, args map[string]any) error {
	if err := supervisorOf(a, r); err != nil {
		return err
	}
	if err := inStatus(r, "triaged", "inspected", "ordered", "fixed", "disputed"); err != nil {
		return err
	}
	if id := r.GetString("finding"); id != "" {
		if f, err := app.FindRecordById(schema.Findings, id); err == nil && f.GetString(schema.FieldStatus) != "closed" &&
			!f.GetBool("voided") {
			return errFindingOpen
		}
	}
	text, err := reason(args)
	if err != nil {
		return err
	}
	r.Set("resolution", text)
	r.Set(schema.FieldStatus, "closed")
	return nil
}

// fromFinding maps a finding's status to its report's.
var fromFinding = map[string]string{
	"open": "inspected", "ordered": "ordered", "acknowledged": "ordered", "escalated": "ordered",
	"returned": "ordered", "reinspected": "ordered", "closed": "fixed",
}

// applyFinding sets the status r takes from its finding f.
func applyFinding(r, f *core.Record) {
	to, ok := fromFinding[f.GetString(schema.FieldStatus)]
	if !ok || f.GetBool("voided") {
		return
	}
	r.Set(schema.FieldStatus, to)
	if to == "fixed" {
		at := f.GetDateTime("closed_at")
		if at.IsZero() {
			at = f.GetDateTime("updated")
		}
		r.Set("fixed_at", at)
	}
}

// followFinding moves the reports linked to finding f along with it. Reports rejected, closed,
// duplicated or disputed wait for a supervisor instead.
func (s *Service) followFinding(app core.App, f *core.Record) error {
	reports, err := app.FindAllRecords(schema.Reports, dbx.HashExp{"finding": f.Id},
		dbx.In("status", "triaged", "inspected", "ordered", "fixed"))
	if err != nil {
		return fmt.Errorf("reports of %s: %w", f.Id, err)
	}
	for _, r := range reports {
		before := r.GetString(schema.FieldStatus)
		applyFinding(r, f)
		if r.GetString(schema.FieldStatus) == before {
			continue
		}
		access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(r); err != nil {
			return fmt.Errorf("follow finding %s: %w", f.Id, err)
		}
	}
	return nil
}

// step is one entry of a report's history, as its reporter sees it.
type step struct {
	At     string `json:"at"`
	Status string `json:"status"`
}

// recordHistory appends the report's status to its history when it changed. Only server
// code and district administrators move a status; anyone else's write is left to the field
// policies, which refuse a status or a history they may not set.
func (s *Service) recordHistory(app core.App, r *core.Record) {
	if attr := access.AttributionOf(r); !attr.Trusted && !attr.Actor.Privileged() {
		return
	}
	status := r.GetString(schema.FieldStatus)
	if !r.IsNew() {
		if stored, err := app.FindRecordById(r.Collection(), r.Id); err == nil && stored.GetString(schema.FieldStatus) == status {
			return
		}
	}
	var hist []step
	_ = json.Unmarshal([]byte(r.GetString("history")), &hist)
	hist = append(hist, step{At: s.cfg.Now().UTC().Format(time.RFC3339), Status: status})
	r.Set("history", hist)
}

// notify files a notification of the report for each user; it syncs to their phone.
func notify(app core.App, users []string, kind string, r *core.Record, message string) error {
	coll, err := app.FindCachedCollectionByNameOrId(schema.Notifications)
	if err != nil {
		return err
	}
	for _, u := range users {
		n := core.NewRecord(coll)
		n.Load(map[string]any{"user": u, "kind": kind, "subdistrict": r.GetString(schema.FieldSubdistrict),
			"report": r.Id, "message": clip(message, 1000)})
		access.Attribute(n, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
		if err := app.Save(n); err != nil {
			return fmt.Errorf("notify %s: %w", u, err)
		}
	}
	return nil
}

// notifySupervisors tells the supervisors of the report's subdistrict.
func notifySupervisors(app core.App, r *core.Record, kind, message string) error {
	var ids []string
	err := app.DB().Select("users.id").From(schema.Users).
		Where(dbx.HashExp{"role": string(access.Supervisor)}).
		AndWhere(dbx.NewExp("EXISTS (SELECT 1 FROM json_each(users.subdistricts) WHERE value = {:sd})",
			dbx.Params{"sd": r.GetString(schema.FieldSubdistrict)})).
		Column(&ids)
	if err != nil {
		return fmt.Errorf("supervisors of %s: %w", r.GetString(schema.FieldSubdistrict), err)
	}
	return notify(app, ids, kind, r, message)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// remindUntriaged reminds the supervisors, once, of every report still waiting for triage
// after TriageWithin, and returns how many it found.
func (s *Service) remindUntriaged(app core.App) (int, error) {
	cutoff, _ := types.ParseDateTime(s.cfg.Now().Add(-s.cfg.TriageWithin).UTC())
	waiting, err := app.FindAllRecords(schema.Reports,
		dbx.HashExp{"status": "received", "voided": false, "reminded_at": ""},
		dbx.NewExp("created <= {:cutoff}", dbx.Params{"cutoff": cutoff.String()}))
	if err != nil {
		return 0, fmt.Errorf("untriaged reports: %w", err)
	}
	for _, r := range waiting {
		err := app.RunInTransaction(func(tx core.App) error {
			msg := fmt.Sprintf("群众举报 %s 已超过 %d 小时未分派，请尽快处理", r.GetString("tracking_no"), int(s.cfg.TriageWithin.Hours()))
			if err := notifySupervisors(tx, r, "report_untriaged", msg); err != nil {
				return err
			}
			r.Set("reminded_at", s.cfg.Now().UTC())
			access.Attribute(r, access.Attribution{Actor: access.System, Door: access.DoorHook, Trusted: true})
			return tx.Save(r)
		})
		if err != nil {
			return 0, fmt.Errorf("remind %s: %w", r.Id, err)
		}
	}
	return len(waiting), nil
}
