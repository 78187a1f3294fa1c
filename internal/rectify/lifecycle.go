package rectify

import (
	"slices"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The statuses of a finding (vocab.FindingStatus).
const (
	Open         = "open"
	Ordered      = "ordered"
	Acknowledged = "acknowledged"
	Reinspected  = "reinspected"
	Closed       = "closed"
	Returned     = "returned"
	Escalated    = "escalated"
)

// transitions is the one lifecycle every programme's findings share: found → ordered to
// rectify → (acknowledged by the responsible party) → re-inspected → closed, or returned with a
// reason, or escalated when the deadline passes. Closed is final.
var transitions = map[string][]string{
	Open:         {Ordered},
	Ordered:      {Ordered, Acknowledged, Reinspected, Returned, Escalated},
	Acknowledged: {Reinspected, Returned, Escalated},
	Escalated:    {Ordered, Acknowledged, Reinspected, Returned},
	Reinspected:  {Closed, Returned},
	Returned:     {Ordered, Reinspected},
}

// steps says, for each status, what reaching it takes, so that a refused step can tell the
// inspector what must happen first rather than name two raw statuses.
var steps = map[string][2]string{
	Ordered:      {"责令整改（写明整改期限和责任方）", "an order to rectify with a deadline and a responsible party"},
	Acknowledged: {"责任方签收整改通知", "the responsible party's acknowledgement"},
	Reinspected:  {"一次带照片的合格复查", "a passing re-inspection with photos"},
	Closed:       {"销账", "closing"},
	Returned:     {"退回并写明理由", "a return with a reason"},
	Escalated:    {"整改逾期后升级督办", "an escalation after the deadline passes"},
}

// refusedStep is the message of a refused status change from → to: the statuses' names and
// the shortest way through the lifecycle, when there is one.
func refusedStep(from, to string) (zh, en string) {
	fromT, toT := statusLabel(from), statusLabel(to)
	zh = "隐患状态不能从“" + fromT.ZH + "”（" + from + "）变为“" + toT.ZH + "”（" + to + "）"
	en = "a finding cannot go from " + fromT.EN + " (" + from + ") to " + toT.EN + " (" + to + ")"
	if from == Closed {
		return zh + "：已销账的隐患不能再变更", en + ": a closed finding is final"
	}
	path := shortestPath(from, to)
	if len(path) < 2 {
		return zh, en
	}
	var zhSteps, enSteps []string
	for _, s := range path[:len(path)-1] {
		zhSteps = append(zhSteps, steps[s][0])
		enSteps = append(enSteps, steps[s][1])
	}
	return zh + "：须先有" + strings.Join(zhSteps, "，再有"),
		en + ": first " + strings.Join(enSteps, ", then ") + " is needed"
}

// shortestPath returns the statuses after from on the shortest lifecycle path to to, to last;
// nil if to cannot be reached.
func shortestPath(from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, next := range transitions[cur] {
			if _, seen := prev[next]; seen {
				continue
			}
			prev[next] = cur
			if next == to {
				var path []string
				for s := to; s != from; s = prev[s] {
					path = append([]string{s}, path...)
				}
				return path
			}
			queue = append(queue, next)
		}
	}
	return nil
}

func statusLabel(s string) vocab.Term {
	if t, ok := vocab.FindingStatus.Label(s); ok {
		return t
	}
	return vocab.Term{Value: s, ZH: s, EN: s}
}

func lifecycleError(field, code, zh, en string) error {
	return validation.Errors{field: validation.NewError(code, zh+" / "+en)}
}

// checkFinding holds the lifecycle's invariants on every save of a finding, from any door,
// district administrators included: the state a finding is in must be one its history allows.
func checkFinding(app core.App, r *core.Record) error {
	if err := checkCategory(r); err != nil {
		return err
	}
	if err := checkSupervision(app, r); err != nil {
		return err
	}
	// A major finding is always listed for supervised rectification (挂账督办).
	if r.GetString("severity") == "major" {
		r.Set("supervised", true)
	}
	from, to := "", r.GetString(schema.FieldStatus)
	if !r.IsNew() {
		from = storedField(app, r, schema.FieldStatus)
	}
	if from == to {
		return nil
	}
	if r.IsNew() {
		if to == Open || to == "" {
			return nil
		}
		// Staff record what they find; a finding with a history arrives only from district
		// administrators or server code importing records, and then it must carry what its
		// status needs (a closed one its passing re-inspection).
		if !access.AttributionOf(r).Actor.Privileged() {
			return lifecycleError("status", "finding_bad_transition",
				"新发现的隐患只能处于“已发现”状态", "a new finding starts as found")
		}
		return checkArrival(app, r, to)
	}
	if !slices.Contains(transitions[from], to) {
		zh, en := refusedStep(from, to)
		return lifecycleError("status", "finding_bad_transition", zh, en)
	}
	return checkArrival(app, r, to)
}

// storedField reads a field as stored: Record.Original() is stale for a record object saved
// more than once. A new record has nothing stored.
func storedField(app core.App, r *core.Record, field string) string {
	if r.IsNew() {
		return ""
	}
	stored, err := app.FindRecordById(r.Collection(), r.Id)
	if err != nil {
		return ""
	}
	return stored.GetString(field)
}

// checkArrival checks what a status needs on arrival.
func checkArrival(app core.App, r *core.Record, to string) error {
	switch to {
	case Ordered:
		if r.GetDateTime("deadline").IsZero() || strings.TrimSpace(r.GetString("responsible_party")) == "" {
			return lifecycleError("deadline", "finding_order_incomplete",
				"责令整改须写明整改期限和责任方", "an order to rectify needs a deadline and a responsible party")
		}
	case Reinspected, Closed:
		if err := checkReinspection(app, r); err != nil {
			return err
		}
		if to == Closed && r.GetBool("supervised") && !signedOffBySupervisor(app, r) {
			return lifecycleError("status", "finding_close_needs_supervisor",
				"挂账督办的重大隐患须由督办主管签字销账", "a supervised major finding is closed only by a supervisor's sign-off")
		}
	}
	return nil
}

// checkReinspection: "closed" is never "fixed" by assertion. A finding is re-inspected, and
// closed, only on a passing re-inspection of its place with photo evidence.
func checkReinspection(app core.App, r *core.Record) error {
	fail := func() error {
		return lifecycleError("reinspection", "hazard_close_needs_evidence",
			"须有一次带照片的合格复查", "closing needs a passing re-inspection with photo evidence")
	}
	insp, err := app.FindRecordById(schema.Inspections, r.GetString("reinspection"))
	if err != nil {
		return fail()
	}
	if insp.GetString("kind") != "reinspection" || insp.GetString("result") != "pass" ||
		insp.GetString(schema.FieldPlace) != r.GetString(schema.FieldPlace) ||
		len(insp.GetStringSlice("photos")) == 0 || insp.GetBool("voided") {
		return fail()
	}
	return nil
}

// signedOffBySupervisor: a district administrator closing in the admin UI signs off; so does a
// supervisor of the finding's subdistrict named in closed_by.
func signedOffBySupervisor(app core.App, r *core.Record) bool {
	if access.AttributionOf(r).Actor.Kind == access.KindSuperuser {
		return true
	}
	u, err := app.FindRecordById(schema.Users, r.GetString("closed_by"))
	if err != nil {
		return false
	}
	a := access.ActorFromAuth(u)
	return a.Role == access.Supervisor && a.InSubdistrict(r.GetString(schema.FieldSubdistrict))
}

// checkCategory: a finding's category belongs to its programme ("fire.wiring" to fire).
func checkCategory(r *core.Record) error {
	if r.GetString("category") == "" {
		return nil // the schema reports a missing category
	}
	if !strings.HasPrefix(r.GetString("category"), r.GetString("programme")+".") {
		return lifecycleError("category", "finding_category_mismatch",
			"隐患类别不属于该专项", "the category does not belong to the finding's programme")
	}
	return nil
}
