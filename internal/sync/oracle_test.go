package sync_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pocketbase/dbx"

	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/mobile-api/client"
)

// The oracle predicts, from its own statement of the rules, what every mutation the model test
// makes must produce on the server: its outcome (applied, merged, conflict with which fields
// and resolutions, rejected with which code, quarantined) and the record's resulting field
// values and version. It shares no code with internal/sync, internal/access or
// internal/rectify: the rules below are restated from the README and the domain, so a server
// that answers "applied" while doing something else is caught.
//
// The order in which the server applied the mutations of different phones is an input, not a
// prediction. The model steps one phone at a time and every push is synchronous (FlakyNet
// delivers a duplicate before it returns), so all mutations applied during a step are the
// outcomes fs_sync_outcomes holds afterwards for that step's phone beyond the mids already
// judged, in mid order: observe reads them after every sync call and judges them in that
// order. Two other inputs come from the server: the fixture records' state before the first
// step, and the ids of referrals a refer command creates (the server generates them).

// tracked are the fields the oracle predicts, per collection.
var tracked = map[string][]string{
	"places":      {"kind", "name", "address", "grid", "subdistrict", "voided"},
	"findings":    {"programme", "place", "inspection", "subdistrict", "category", "severity", "status", "description", "deadline", "responsible_party", "supervised", "agency", "voided"},
	"inspections": {"subdistrict", "agency", "review", "voided"},
	"referrals":   {"finding", "subdistrict", "agency", "status", "response"},
}

var boolFields = map[string]bool{"voided": true, "supervised": true}

// appendText are the free-text fields whose conflicting values are both kept (README:
// "free text is appended"); every other field keeps the first writer's value.
var appendText = map[string]bool{"description": true}

// updated is the time of the last save: every save changes it, so every save makes a version.
const updated = "updated"

type fieldVer struct {
	v  int64
	by string // the device that last changed the field; "" for server code
}

type orec struct {
	coll string
	f    map[string]any
	v    int64
	fv   map[string]fieldVer
}

// intent is a mutation as the test made it.
type intent struct {
	mid      int64
	op       string // create, patch, void, cmd
	coll, id string
	data     map[string]any
	cmd      string
	args     map[string]any
	base     int64
	forbid   bool // the forbidden close
	step     int  // the model's step when the phone made it
}

type verdict struct {
	outcomes []string // allowed outcomes; more than one only where stated
	code     string   // the refusal's code, for rejected
	fields   map[string]string
	conf     map[string]string // field → resolution, for conflict
	apply    func()            // changes the model once the outcome is known to be a change
}

type oracle struct {
	m       *model
	recs    map[string]*orec // "coll/id"
	intents map[string]map[int64]*intent
	seen    map[string]int64 // per phone: last mid judged
	kinds   map[string]int   // outcomes judged, by kind
}

func newOracle(m *model) *oracle {
	o := &oracle{m: m, recs: map[string]*orec{}, intents: map[string]map[int64]*intent{},
		seen: map[string]int64{}, kinds: map[string]int{}}
	for coll, fields := range tracked {
		recs, err := m.srv.App.FindAllRecords(coll)
		if err != nil {
			m.t.Fatal(err)
		}
		for _, r := range recs {
			rec := &orec{coll: coll, f: map[string]any{}, v: o.serverV(coll, r.Id), fv: map[string]fieldVer{}}
			for _, f := range fields {
				rec.f[f] = fieldOf(r.Get(f), boolFields[f])
			}
			o.recs[coll+"/"+r.Id] = rec
		}
	}
	return o
}

func (o *oracle) serverV(coll, id string) int64 {
	var v int64
	err := o.m.srv.App.DB().Select("v").From("fs_sync_records").Where(dbx.HashExp{"coll": coll, "rid": id}).Row(&v)
	if err != nil {
		o.m.t.Fatalf("version of %s/%s: %v", coll, id, err)
	}
	return v
}

// fieldOf renders a stored value as the oracle keeps values: bools as bools, everything else
// (text, select, relation, date) as its string form.
func fieldOf(v any, isBool bool) any {
	if isBool {
		b, _ := v.(bool)
		return b
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func (o *oracle) note(p *phone, it *intent) {
	if o.intents[p.name] == nil {
		o.intents[p.name] = map[int64]*intent{}
	}
	o.intents[p.name][it.mid] = it
}

// actor is what the oracle knows of a phone's user now.
type actor struct {
	role, agency string
	sds          []string
}

func (o *oracle) actorOf(user string) actor {
	switch user {
	case testkit.InspectorA:
		return actor{role: "inspector", sds: []string{testkit.SubdistrictA}}
	case testkit.InspectorB:
		return actor{role: "inspector", sds: []string{testkit.SubdistrictB}}
	case testkit.SupervisorA:
		return actor{role: "supervisor", sds: []string{testkit.SubdistrictA}}
	case testkit.SupervisorB:
		return actor{role: "supervisor", sds: []string{testkit.SubdistrictB}}
	case testkit.FireStaff:
		return actor{role: "agency_staff", agency: testkit.AgencyFire}
	case o.m.mover:
		return actor{role: "inspector", sds: []string{o.m.moverSD()}}
	}
	o.m.t.Fatalf("unknown user %s", user)
	return actor{}
}

// scopesOf is what the oracle says user syncs, in order: every staff member the reference
// data and their own records; field staff their subdistricts; agency staff their agency's
// referred cases.
func (o *oracle) scopesOf(user string) []client.Scope {
	a := o.actorOf(user)
	out := []client.Scope{"ref", client.Scope("me:" + user)}
	if a.fieldStaff() {
		for _, sd := range a.sds {
			out = append(out, client.Scope("sd:"+sd))
		}
	}
	if a.agency != "" {
		out = append(out, client.Scope("ag:"+a.agency))
	}
	slices.Sort(out)
	return out
}

func (a actor) member(sd string) bool       { return sd != "" && slices.Contains(a.sds, sd) }
func (a actor) fieldStaff() bool            { return a.role == "inspector" || a.role == "supervisor" }
func (a actor) supervisorOf(sd string) bool { return a.role == "supervisor" && a.member(sd) }

// sees: staff of a record's subdistrict see it; an agency sees the findings referred to it,
// their referrals, and the places and inspections those findings name.
func (o *oracle) sees(a actor, r *orec) bool {
	sd, _ := r.f["subdistrict"].(string)
	if a.member(sd) {
		return true
	}
	if a.agency == "" {
		return false
	}
	switch r.coll {
	case "findings", "referrals":
		return r.f["agency"] == a.agency
	case "places", "inspections":
		if r.f["agency"] == a.agency {
			return true
		}
		link := map[string]string{"places": "place", "inspections": "inspection"}[r.coll]
		id := o.idOf(r)
		for _, f := range o.recs {
			if f.coll == "findings" && f.f[link] == id && f.f["agency"] == a.agency && f.f["subdistrict"] == sd {
				return true
			}
		}
	}
	return false
}

func (o *oracle) idOf(r *orec) string {
	for k, v := range o.recs {
		if v == r {
			_, id, _ := strings.Cut(k, "/")
			return id
		}
	}
	return ""
}

// observe judges the outcomes the server stored for p's mutations since the last look.
func (o *oracle) observe(p *phone) {
	var rows []struct {
		MID    int64  `db:"mid"`
		Result string `db:"result"`
	}
	err := o.m.srv.App.DB().Select("mid", "result").From("fs_sync_outcomes").
		Where(dbx.HashExp{"client": "model-" + p.name}).AndWhere(dbx.NewExp("mid > {:m}", dbx.Params{"m": o.seen[p.name]})).
		OrderBy("mid").All(&rows)
	if err != nil {
		o.m.t.Fatal(err)
	}
	for _, row := range rows {
		if row.MID != o.seen[p.name]+1 {
			o.m.t.Fatalf("%s: outcome of mid %d stored before that of mid %d", p.name, row.MID, o.seen[p.name]+1)
		}
		var got client.Result
		if err := json.Unmarshal([]byte(row.Result), &got); err != nil {
			o.m.t.Fatalf("%s mid %d: %v", p.name, row.MID, err)
		}
		it := o.intents[p.name][row.MID]
		if it == nil {
			o.m.t.Fatalf("%s: the server stored mid %d, which the phone never made", p.name, row.MID)
		}
		o.judge(p, it, got)
		o.seen[p.name] = row.MID
	}
}

func (o *oracle) judge(p *phone, it *intent, got client.Result) {
	t := o.m.t
	want := o.predict(p, it)
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s mid %d %s %s/%s (base v%d) %v%v: %s\nserver: %+v", p.name, it.mid, it.op, it.coll, it.id, it.base,
			it.data, it.args, fmt.Sprintf(format, args...), got)
	}
	if !slices.Contains(want.outcomes, got.Outcome) {
		fail("outcome %s, predicted one of %v (code %s)", got.Outcome, want.outcomes, want.code)
	}
	o.kinds[got.Outcome]++
	switch got.Outcome {
	case "rejected":
		if got.Code != want.code || !maps.Equal(got.Fields, want.fields) {
			fail("refused %s %v, predicted %s %v", got.Code, got.Fields, want.code, want.fields)
		}
		if it.forbid && got.Code == "" {
			fail("the forbidden close was refused without a code")
		}
		return
	case "quarantined":
		if got.Code != "scope_lost" || got.Issue == "" {
			fail("a quarantine is scope_lost with an issue")
		}
		return
	case "conflict":
		conf := map[string]string{}
		for _, c := range got.Conflicts {
			conf[c.Field] = c.Resolution
			if c.Client != nil && fmt.Sprint(c.Client) != fmt.Sprint(it.data[c.Field]) {
				fail("conflict on %s names the client's value %v, it sent %v", c.Field, c.Client, it.data[c.Field])
			}
		}
		if !maps.Equal(conf, want.conf) {
			fail("conflicts %v, predicted %v", conf, want.conf)
		}
		if got.Issue == "" {
			fail("a conflict files a sync issue")
		}
	default:
		if len(got.Conflicts) > 0 {
			fail("conflicts in a %s outcome", got.Outcome)
		}
	}
	if it.forbid && got.Outcome != "conflict" {
		fail("the forbidden close was %s", got.Outcome)
	}
	want.apply()
	rec := o.recs[it.coll+"/"+it.id]
	if it.forbid && rec.f["status"] == "closed" {
		fail("the forbidden close closed the finding")
	}
	if got.V != rec.v {
		fail("version %d, predicted %d", got.V, rec.v)
	}
}

func rejected(code string, fields map[string]string) verdict {
	return verdict{outcomes: []string{"rejected"}, code: code, fields: fields}
}

// lost is the answer to a mutation on a record in no scope the author holds: it is
// quarantined for review if the author held the record's subdistrict when making it, and
// otherwise answered as if the record did not exist (code). Only the mover ever loses a
// subdistrict. Whether the server counts the edit as made while holding it also depends on
// when the server last handed the subdistrict to this installation (a download from the
// start), which the phone does not report: where the mover held the subdistrict at the edit
// or at any moment since, both answers are allowed; where they never did, only the refusal.
func (o *oracle) lost(p *phone, it *intent, sd, code string) verdict {
	v := rejected(code, nil)
	if p.user == o.m.mover && o.m.moverHeldSince(it.step, sd) {
		v.outcomes = append(v.outcomes, "quarantined")
	}
	return v
}

func locked(r *orec) (string, string) {
	switch {
	case r.f["voided"] == true:
		return "voided", "record_voided"
	case r.coll == "inspections" && r.f["review"] == "approved":
		return "review", "record_approved"
	case r.coll == "findings" && r.f["status"] == "closed":
		return "status", "record_closed"
	}
	return "", ""
}

// findingMoves are the status changes a finding may make (README: found → ordered → …).
var findingMoves = map[string][]string{
	"open":         {"ordered"},
	"ordered":      {"ordered", "acknowledged", "reinspected", "returned", "escalated"},
	"acknowledged": {"reinspected", "returned", "escalated"},
	"escalated":    {"ordered", "acknowledged", "reinspected", "returned"},
	"reinspected":  {"closed", "returned"},
	"returned":     {"ordered", "reinspected"},
}

// save applies new values to r as the server's save does: a major finding is supervised, and
// the record gets a new version in which the changed fields, its save time and the untracked
// stamps a step sets (stamps) were last changed by device.
func (o *oracle) save(r *orec, vals map[string]any, device string, stamps ...string) {
	if r.coll == "findings" && vals["severity"] == "major" {
		vals["supervised"] = true
	}
	r.v++
	for f, val := range vals {
		if r.f[f] != val {
			r.f[f] = val
			r.fv[f] = fieldVer{v: r.v, by: device}
		}
	}
	for _, f := range append(stamps, updated) {
		r.fv[f] = fieldVer{v: r.v, by: device}
	}
}

func (o *oracle) predict(p *phone, it *intent) verdict {
	a := o.actorOf(p.user)
	device := "model-" + p.name
	key := it.coll + "/" + it.id
	if it.op == "create" {
		sd, _ := it.data["subdistrict"].(string)
		if !a.member(sd) {
			return o.lost(p, it, sd, "forbidden")
		}
		if it.coll == "findings" {
			if _, ok := o.recs["places/"+fmt.Sprint(it.data["place"])]; !ok {
				return rejected("validation_failed", map[string]string{"place": "validation_missing_rel_records"})
			}
		}
		if !a.fieldStaff() {
			return rejected("forbidden", nil)
		}
		return verdict{outcomes: []string{"applied"}, apply: func() {
			r := &orec{coll: it.coll, f: map[string]any{}, fv: map[string]fieldVer{}}
			for _, f := range tracked[it.coll] {
				r.f[f] = fieldOf(it.data[f], boolFields[f])
			}
			if it.coll == "findings" {
				r.f["status"] = "open"
			}
			o.recs[key] = r
			o.save(r, map[string]any{}, device)
			for f := range r.f {
				r.fv[f] = fieldVer{v: 1, by: device}
			}
		}}
	}
	r, ok := o.recs[key]
	if !ok {
		return rejected("not_found", nil)
	}
	sd, _ := r.f["subdistrict"].(string)
	if !o.sees(a, r) {
		return o.lost(p, it, sd, "not_found")
	}
	if field, code := locked(r); code != "" {
		return rejected("validation_failed", map[string]string{field: code})
	}
	if it.op == "cmd" {
		return o.command(a, p, it, r, device)
	}
	// A patch or a void: inspectors and supervisors of the subdistrict edit.
	if !a.fieldStaff() || !a.member(sd) {
		return rejected("forbidden", nil)
	}
	set := it.data
	if it.op == "void" {
		set = map[string]any{"voided": true}
	}
	vals := map[string]any{}
	conf := map[string]string{}
	for f, raw := range set {
		mine := fieldOf(raw, boolFields[f])
		theirs := r.f[f]
		fv := r.fv[f]
		if fv.v > it.base && fv.by != device && theirs != mine {
			if s, c := theirs.(string), mine.(string); appendText[f] {
				switch {
				case strings.Contains(s, c):
					vals[f] = s
				case strings.Contains(c, s):
					vals[f] = c
				default:
					vals[f] = s + "\n\n" + c
				}
				conf[f] = "appended"
			} else {
				vals[f] = theirs
				conf[f] = "server_kept"
			}
			continue
		}
		vals[f] = mine
	}
	// A finding's status moves only through the workflow commands: no role changes it by a
	// patch (a conflict that keeps the server's status changes nothing, and passes).
	if r.coll == "findings" && vals["status"] != nil && vals["status"] != r.f["status"] {
		return rejected("validation_failed", map[string]string{"status": "protected_field"})
	}
	outcome := "applied"
	if len(conf) > 0 {
		outcome = "conflict"
	} else {
		for _, fv := range r.fv {
			if fv.v > it.base && fv.by != device {
				outcome = "merged"
			}
		}
	}
	return verdict{outcomes: []string{outcome}, conf: conf, apply: func() { o.save(r, vals, device) }}
}

// command restates the workflow steps the model pushes.
func (o *oracle) command(a actor, p *phone, it *intent, r *orec, device string) verdict {
	sd, _ := r.f["subdistrict"].(string)
	applied := func(f func()) verdict { return verdict{outcomes: []string{"applied"}, apply: f} }
	switch it.cmd {
	case "finding.order@1":
		// Inspectors order what they found; a new order of an ordered finding is a supervisor's.
		if r.f["status"] == "open" {
			if !a.fieldStaff() || !a.member(sd) {
				return rejected("finding_needs_field_staff", nil)
			}
		} else if !a.supervisorOf(sd) {
			return rejected("finding_needs_supervisor", nil)
		}
		if !slices.Contains(findingMoves[r.f["status"].(string)], "ordered") {
			return rejected("validation_failed", map[string]string{"status": "finding_bad_transition"})
		}
		return applied(func() {
			o.save(r, map[string]any{"deadline": it.args["deadline"], "responsible_party": it.args["responsible_party"],
				"status": "ordered"}, device, "ordered_at")
		})
	case "inspection.review@1":
		if !a.supervisorOf(sd) {
			return rejected("review_needs_supervisor", nil)
		}
		if cur := r.f["review"]; cur != "submitted" && cur != "" {
			return rejected("review_not_submitted", nil)
		}
		status := map[any]string{"approve": "approved", "return": "returned"}[it.args["decision"]]
		return applied(func() { o.save(r, map[string]any{"review": status}, device, "reviewed_at") })
	case "finding.refer@1":
		if !a.supervisorOf(sd) {
			return rejected("finding_needs_supervisor", nil)
		}
		return applied(func() {
			o.save(r, map[string]any{"agency": it.args["agency"]}, device)
			o.newReferral(it.id, sd, it.args)
		})
	case "referral.decline@1":
		if a.agency == "" || a.agency != r.f["agency"] {
			return rejected("referral_needs_agency", nil)
		}
		if st := r.f["status"]; st != "pending" && st != "acknowledged" {
			return rejected("referral_not_open", nil)
		}
		return applied(func() {
			// The finding goes back to its subdistrict, written by server code (no device).
			if f := o.recs["findings/"+r.f["finding"].(string)]; f != nil && f.f["agency"] == r.f["agency"] {
				o.save(f, map[string]any{"agency": ""}, "")
			}
			o.save(r, map[string]any{"status": "declined", "response": it.args["response"]}, device, "responded_at")
		})
	}
	o.m.t.Fatalf("the oracle does not know command %s", it.cmd)
	return verdict{}
}

// newReferral adds the referral a refer command created. Its id is the server's: the one
// referral of the finding with the command's reason the oracle does not know yet.
func (o *oracle) newReferral(finding, sd string, args map[string]any) {
	var ids []string
	err := o.m.srv.App.DB().Select("id").From("referrals").
		Where(dbx.HashExp{"finding": finding, "reason": args["reason"]}).OrderBy("id").Column(&ids)
	if err != nil {
		o.m.t.Fatal(err)
	}
	for _, id := range ids {
		if _, known := o.recs["referrals/"+id]; known {
			continue
		}
		o.recs["referrals/"+id] = &orec{coll: "referrals", v: 1, fv: map[string]fieldVer{}, f: map[string]any{
			"finding": finding, "subdistrict": sd, "agency": args["agency"], "status": "pending", "response": ""}}
		return
	}
	o.m.t.Fatalf("refer of %s created no referral the oracle does not know", finding)
}

// checkRecords compares every record the oracle knows with the server's, field for field and
// version for version, and the server holds no record of these collections the oracle does
// not know.
func (o *oracle) checkRecords() {
	counts := map[string]int{}
	keys := slices.Collect(maps.Keys(o.recs))
	sort.Strings(keys)
	for _, key := range keys {
		r := o.recs[key]
		counts[r.coll]++
		coll, id, _ := strings.Cut(key, "/")
		sr, err := o.m.srv.App.FindRecordById(coll, id)
		if err != nil {
			o.m.t.Fatalf("%s: predicted, not on the server: %v", key, err)
		}
		for _, f := range tracked[coll] {
			if got := fieldOf(sr.Get(f), boolFields[f]); !reflect.DeepEqual(got, r.f[f]) {
				o.m.t.Fatalf("%s.%s: server %q, predicted %q", key, f, got, r.f[f])
			}
		}
		if v := o.serverV(coll, id); v != r.v {
			o.m.t.Fatalf("%s: server v%d, predicted v%d", key, v, r.v)
		}
	}
	for coll := range tracked {
		n, err := o.m.srv.App.CountRecords(coll)
		if err != nil {
			o.m.t.Fatal(err)
		}
		if int(n) != counts[coll] {
			o.m.t.Fatalf("%s: the server holds %d records, the oracle predicted %d", coll, n, counts[coll])
		}
	}
}
