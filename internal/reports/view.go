package reports

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/vocab"
)

// View is a report as its reporter sees it with the receipt: what they sent, what happened
// to it, and nothing of anyone else. Contact details are never in it, not even the reporter's
// own; staff appear by role, never by name.
type View struct {
	Tracking    string       `json:"tracking_no"`
	Category    Label        `json:"category"`
	Status      Label        `json:"status"`
	SubmittedAt string       `json:"submitted_at"`
	UpdatedAt   string       `json:"updated_at"`
	Place       string       `json:"place_name,omitempty"` // the registered place the reporter chose
	Address     string       `json:"address,omitempty"`
	Location    *Point       `json:"location,omitempty"`
	Description string       `json:"description"`
	Photos      int          `json:"photos"`
	DuplicateOf string       `json:"duplicate_of,omitempty"` // the open case this report joined
	History     []Step       `json:"history"`
	Outcome     Outcome      `json:"outcome"`
	Resolution  string       `json:"resolution,omitempty"` // the supervisor's note, names removed
	Updates     []UpdateView `json:"updates"`
	Dispute     DisputeState `json:"dispute"`
	Privacy     []Notice     `json:"privacy"`
}

// Step is one change of status.
type Step struct {
	At     string `json:"at"`
	Status Label  `json:"status"`
}

// Outcome is what was done on the ground, from the linked inspection and finding, by date
// and result only.
type Outcome struct {
	InspectedOn        string `json:"inspected_on,omitempty"`
	ViolationFound     *bool  `json:"violation_found,omitempty"`
	Problem            *Label `json:"problem,omitempty"` // the finding's category
	OrderedOn          string `json:"ordered_on,omitempty"`
	FixBy              string `json:"fix_by,omitempty"`
	AcknowledgedOn     string `json:"acknowledged_on,omitempty"` // the responsible party signed the order
	Escalated          bool   `json:"escalated,omitempty"`
	ReinspectedOn      string `json:"reinspected_on,omitempty"`
	ReinspectionPassed *bool  `json:"reinspection_passed,omitempty"`
	FixedOn            string `json:"fixed_on,omitempty"`
}

// UpdateView is one of the reporter's additions.
type UpdateView struct {
	At     string `json:"at"`
	Kind   Label  `json:"kind"`
	Text   string `json:"text"`
	Photos int    `json:"photos"`
}

// DisputeState says whether the reporter may dispute the fix now, and until when.
type DisputeState struct {
	Allowed bool   `json:"allowed"`
	Until   string `json:"until,omitempty"`
}

// caseOf is the record that carries r's handling: the open case r duplicates, or r itself.
func caseOf(app core.App, r *core.Record) *core.Record {
	if dup := r.GetString("duplicate_of"); dup != "" {
		if p, err := app.FindRecordById(schema.Reports, dup); err == nil {
			return p
		}
	}
	return r
}

func day(d types.DateTime) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().In(beijing).Format(time.DateOnly)
}

func stamp(d types.DateTime) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().In(beijing).Format(time.RFC3339)
}

// view builds the reporter's view of r. Of where r is, it says what a public answer may
// (whereaboutsOf): the reporter's own address and point, and a public place's name.
func (s *Service) view(app core.App, r *core.Record) (View, error) {
	where, err := whereaboutsOf(app, r)
	if err != nil {
		return View{}, err
	}
	c := caseOf(app, r)
	red, err := newRedactor(app, r, c)
	if err != nil {
		return View{}, err // without the names to mask, nothing staff wrote may be shown
	}
	v := View{
		Tracking: r.GetString("tracking_no"), Category: label(vocab.ReportCategory, r.GetString("category")),
		Status: label(vocab.ReportStatus, r.GetString(schema.FieldStatus)), SubmittedAt: stamp(r.GetDateTime("created")),
		UpdatedAt: stamp(c.GetDateTime("updated")), Address: where.address, Location: where.point,
		Description: r.GetString("description"), Photos: len(r.GetStringSlice("photos")),
		Outcome: outcomeOf(app, c), Resolution: red.clean(c.GetString("resolution")), Privacy: PrivacyNotice,
		Dispute: s.disputeState(c), History: history(r), Updates: updatesOf(app, r, red),
	}
	if c != r {
		v.DuplicateOf = c.GetString("tracking_no")
		v.Status = label(vocab.ReportStatus, c.GetString(schema.FieldStatus))
		v.History = append(v.History, history(c)...)
	}
	if where.place != nil {
		v.Place = where.place.Name
	}
	return v, nil
}

func history(r *core.Record) []Step {
	var hist []step
	_ = json.Unmarshal([]byte(r.GetString("history")), &hist)
	out := make([]Step, 0, len(hist))
	for _, h := range hist {
		at := h.At
		if t, err := time.Parse(time.RFC3339, h.At); err == nil {
			at = t.In(beijing).Format(time.RFC3339)
		}
		out = append(out, Step{At: at, Status: label(vocab.ReportStatus, h.Status)})
	}
	return out
}

func (s *Service) disputeState(c *core.Record) DisputeState {
	fixed := c.GetDateTime("fixed_at")
	if c.GetString(schema.FieldStatus) != "fixed" || fixed.IsZero() {
		return DisputeState{}
	}
	until := fixed.Time().Add(s.cfg.DisputeWindow)
	return DisputeState{Allowed: s.cfg.Now().Before(until), Until: until.In(beijing).Format(time.RFC3339)}
}

func boolPtr(b bool) *bool { return &b }

// outcomeOf reads the outcome of case c from its inspection and finding: dates, results and
// the problem's category, never a name, a free text or the responsible party.
func outcomeOf(app core.App, c *core.Record) Outcome {
	var o Outcome
	if insp, err := app.FindRecordById(schema.Inspections, c.GetString("inspection")); err == nil && !insp.GetBool("voided") {
		o.InspectedOn = day(insp.GetDateTime("inspected_at"))
		o.ViolationFound = boolPtr(insp.GetString("result") == "fail")
	}
	f, err := app.FindRecordById(schema.Findings, c.GetString("finding"))
	if err != nil || f.GetBool("voided") {
		return o
	}
	o.ViolationFound = boolPtr(true)
	problem := label(vocab.FindingCategory, f.GetString("category"))
	o.Problem = &problem
	if first, err := app.FindRecordById(schema.Inspections, f.GetString("inspection")); err == nil && o.InspectedOn == "" {
		o.InspectedOn = day(first.GetDateTime("inspected_at"))
	}
	if o.InspectedOn == "" {
		o.InspectedOn = day(f.GetDateTime("created"))
	}
	o.OrderedOn, o.FixBy = day(f.GetDateTime("ordered_at")), day(f.GetDateTime("deadline"))
	if o.OrderedOn == "" {
		o.FixBy = ""
	}
	o.AcknowledgedOn = day(f.GetDateTime("acknowledged_at"))
	o.Escalated = !f.GetDateTime("escalated_at").IsZero()
	if re, err := app.FindRecordById(schema.Inspections, f.GetString("reinspection")); err == nil {
		o.ReinspectedOn = day(re.GetDateTime("inspected_at"))
		o.ReinspectionPassed = boolPtr(re.GetString("result") == "pass")
	}
	if f.GetString(schema.FieldStatus) == "closed" {
		o.FixedOn = day(f.GetDateTime("closed_at"))
	}
	return o
}

func updatesOf(app core.App, r *core.Record, red redactor) []UpdateView {
	ups, _ := app.FindAllRecords(schema.ReportUpdates, dbx.HashExp{"report": r.Id})
	slices.SortFunc(ups, func(a, b *core.Record) int { return a.GetDateTime("created").Compare(b.GetDateTime("created")) })
	out := make([]UpdateView, 0, len(ups))
	for _, u := range ups {
		out = append(out, UpdateView{At: stamp(u.GetDateTime("created")), Kind: label(vocab.ReportUpdateKind, u.GetString("kind")),
			Text: u.GetString("text"), Photos: len(u.GetStringSlice("photos"))})
	}
	return out
}

// redactor removes from staff-written text the names of staff and of the other parties of a
// case, and anything that looks like a phone number or an e-mail address.
type redactor struct{ names []string }

var (
	phoneLike = regexp.MustCompile(`\+?\d[\d\- ]{5,}\d`)
	emailLike = regexp.MustCompile(`[^\s@]+@[^\s@]+`)
)

func newRedactor(app core.App, reports ...*core.Record) (redactor, error) {
	var names []string
	if err := app.DB().Select("name").From(schema.Users).Where(dbx.NewExp("name != ''")).Column(&names); err != nil {
		return redactor{}, fmt.Errorf("staff names to mask: %w", err)
	}
	for _, r := range reports {
		if id := r.GetString("finding"); id != "" {
			f, err := app.FindRecordById(schema.Findings, id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return redactor{}, fmt.Errorf("parties to mask: %w", err)
			}
			if err == nil {
				names = append(names, f.GetString("responsible_party"), f.GetString("acknowledged_by_name"))
			}
		}
		c, err := app.FindFirstRecordByFilter(schema.ReportContacts, "report = {:r}", dbx.Params{"r": r.Id})
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return redactor{}, fmt.Errorf("reporter's name to mask: %w", err)
		}
		if err == nil {
			names = append(names, c.GetString("name"))
		}
	}
	out := names[:0]
	for _, n := range names {
		if n = strings.TrimSpace(n); len([]rune(n)) >= 2 {
			out = append(out, n)
		}
	}
	// Longest first, so a full name goes before a part of it.
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return redactor{names: out}, nil
}

func (r redactor) clean(text string) string {
	for _, n := range r.names {
		text = strings.ReplaceAll(text, n, "***")
	}
	text = emailLike.ReplaceAllString(text, "***")
	return phoneLike.ReplaceAllString(text, "***")
}
