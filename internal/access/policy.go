package access

import (
	"maps"
	"reflect"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/haidian/fieldsync/internal/schema"
)

// Policy is what a collection's fields allow beyond its API rules. Model hooks enforce it for
// every attributed write (REST, batch, sync); superusers and server code are exempt from the
// ownership parts, never from scope integrity.
type Policy struct {
	// Author names the field that takes the acting user's id on create and never changes.
	Author string
	// Scoped says the record has a subdistrict field: staff may create records only in their
	// own subdistricts, and nobody but a superuser moves a record to another one.
	Scoped bool
	// Parents are relation fields (field → target collection) whose targets must lie in the
	// same subdistrict as the record, so a record can never link into another subdistrict.
	// Multiple relations (photos) are checked target by target.
	Parents map[string]string
	// AgencyVia names a relation field (one of Parents) through which agency staff may create
	// a scoped record although they belong to no subdistrict: the linked record must be
	// referred to their agency (its agency field holds it). The record still lies in the
	// subdistrict of what it links to, as Parents requires.
	AgencyVia string
	// AgencyAt names a place field through which agency staff may create a scoped record: a
	// live finding of the record's programme at that place, in its subdistrict, is referred to
	// their agency, and the record names their agency. It lets an agency inspect where it was
	// called to ("街镇吹哨、部门报到"), and nowhere else.
	AgencyAt string
	// Immutable fields are set on create and never changed afterwards by staff.
	Immutable []string
	// Owned fields may be set or changed only by the listed roles; everybody else must leave
	// them at their default on create and unchanged on update.
	Owned map[string]Owner
}

// Owner says which roles own a field and what value a record gets when a non-owner creates it.
type Owner struct {
	Roles   []Role
	Default any
}

var supervisorOnly = []Role{Supervisor}

// brigadeOnly names agency staff; a collection whose fields it owns admits only the fire
// brigade's staff by its API rules.
var brigadeOnly = []Role{AgencyStaff}

// Policies maps collection names to their field policies.
var Policies = map[string]Policy{
	schema.Users: {
		Owned: map[string]Owner{
			"role":         {},
			"subdistricts": {},
			"agency":       {},
		},
	},
	schema.Places: {
		Author: "author", Scoped: true,
		Owned: map[string]Owner{
			"key_unit": {Roles: supervisorOnly, Default: false},
			// A key unit's completed standardisation (gazette line 3406) is its subdistrict's
			// supervisor's to record: the district's local choice, the gazette names nobody.
			"standardised_on": {Roles: supervisorOnly},
		},
	},
	schema.Households: {Author: "author", Scoped: true, Parents: map[string]string{"place": schema.Places}},
	schema.Centres: {
		Author: "author", Scoped: true, Parents: map[string]string{"place": schema.Places},
		Owned: map[string]Owner{
			// The lists are the education commission's decisions, taken through its route
			// (internal/tutoring/decisions.go), with who and when.
			"list_status":     {Default: "none"},
			"list_decided_by": {},
			"list_decided_at": {},
			"list_reason":     {},
			"status":          {Roles: supervisorOnly, Default: "operating"},
			// The rectification opinion is a supervisor's command (centre.decide@1).
			"outcome":          {},
			"outcome_deadline": {},
			// Set by internal/tutoring when a major safety hazard suspends the centre.
			"suspended_at": {},
			// Set by the deadline job when a 限期整改 passes unmet (internal/rectify).
			"outcome_escalated_at": {},
		},
	},
	// A class is published once the education commission files it (审核备案); a subdistrict
	// enters it, and an edit of what was filed withdraws the filing (internal/tutoring).
	schema.CentreClasses: {Author: "author", Scoped: true, Parents: map[string]string{"centre": schema.Centres},
		Owned: map[string]Owner{"filed_by": {}, "filed_at": {}}},
	schema.Incidents: {Author: "author", Scoped: true, Parents: map[string]string{"place": schema.Places}},
	schema.Sites:     {Author: "author", Scoped: true, Parents: map[string]string{"place": schema.Places}},
	schema.Inspections: {
		// An inspection stays in the name of the agency that recorded it (or of none): its staff
		// edit it by that name.
		Author: "inspector", Scoped: true, Immutable: []string{"programme", "place", "agency"}, AgencyAt: schema.FieldPlace,
		Parents: map[string]string{"place": schema.Places, "photos": schema.Photos},
		Owned: map[string]Owner{
			"review":      {Roles: supervisorOnly, Default: "submitted"},
			"reviewed_by": {Roles: supervisorOnly},
			"reviewed_at": {Roles: supervisorOnly},
		},
	},
	// Agency staff record findings where a finding of the programme was referred to them
	// (AgencyAt), in their agency's name: the finding is then in their charge.
	schema.Findings: {
		Author: "author", Scoped: true, Immutable: []string{"programme", "place"}, AgencyAt: schema.FieldPlace,
		Parents: map[string]string{
			"place": schema.Places, "inspection": schema.Inspections, "photos": schema.Photos,
		},
		// The lifecycle moves only through the workflow commands of internal/rectify, which
		// check each step's rules; no role writes these fields directly.
		Owned: map[string]Owner{
			"status":     {Default: "open"},
			"supervised": {Default: false},
			// Set by the referral commands; agency staff creating a finding through AgencyAt name
			// their own agency in it (see namesOwnAgency), and change it never.
			"agency":               {},
			"closed_by":            {},
			"closed_at":            {},
			"ordered_at":           {},
			"acknowledged_by_name": {},
			"acknowledged_at":      {},
			"reinspection":         {},
			"escalated_at":         {},
			"return_reason":        {},
			// Government listing (挂牌督办, gazette line 3406): a supervisor lists at the
			// subdistrict's level; internal/rectify/supervision.go keeps the district's level to
			// district administrators. The fire brigade's proposal (提请政府挂牌督改, line 3452)
			// is its command's to write.
			"supervision_level":   {Roles: supervisorOnly},
			"listing_proposed_by": {},
			"listing_proposed_at": {},
			"listing_proposal":    {},
		},
	},
	schema.Referrals: {
		Author: "author", Scoped: true, Immutable: []string{"finding", "agency"},
		Parents: map[string]string{"finding": schema.Findings},
		Owned: map[string]Owner{
			// The agency answers through the referral commands.
			"status":       {Default: "pending"},
			"response":     {},
			"responded_by": {},
			"responded_at": {},
			"escalated_at": {},
			// The referring subdistrict sets the terms; the agency cannot move its own deadline.
			"deadline": {Roles: supervisorOnly},
			"reason":   {Roles: supervisorOnly},
		},
	},
	schema.Enforcements: {
		Author: "decided_by", Scoped: true, Immutable: []string{"finding", "measure"},
		Parents:   map[string]string{"finding": schema.Findings},
		AgencyVia: "finding",
	},
	// A quota has two writers (gazette line 3496): the subdistrict's supervisors report the
	// demand, the fire brigade allocates the quota by fire-risk level and population (the API
	// rules admit no other agency). Who reported and who allocated, and when, the server
	// records (internal/smokealarm). A quota stays with its subdistrict, unit type and year.
	schema.AlarmQuotas: {
		Immutable: []string{schema.FieldSubdistrict, "unit_type", "year"},
		Owned: map[string]Owner{
			"demand":       {Roles: supervisorOnly},
			"quota":        {Roles: brigadeOnly},
			"risk_level":   {Roles: brigadeOnly},
			"population":   {Roles: brigadeOnly},
			"reported_by":  {},
			"reported_at":  {},
			"allocated_by": {},
			"allocated_at": {},
		},
	},
	// Product samples sent for testing are the fire brigade's record (line 3392); the API
	// rules admit its staff only.
	schema.AlarmSamplings: {Author: "recorded_by"},
	schema.AlarmInstalls: {
		Author: "installer", Scoped: true,
		Parents: map[string]string{"household": schema.Places, "photos": schema.Photos},
	},
	// A follow-up stays with its unit; the serial a replacement replaced is the server's to
	// record (internal/smokealarm).
	schema.AlarmFollowups: {
		Author: "inspector", Scoped: true, Immutable: []string{"install"},
		Parents: map[string]string{"install": schema.AlarmInstalls, "photos": schema.Photos},
		Owned:   map[string]Owner{"replaced_serial": {}},
	},
	schema.LandEntries: {Author: "author", Scoped: true, Parents: map[string]string{"place": schema.Places}},
	schema.Reports: {
		Scoped: true,
		Parents: map[string]string{
			"place": schema.Places, "finding": schema.Findings, "photos": schema.Photos,
			"inspection": schema.Inspections, "duplicate_of": schema.Reports,
		},
		// A report moves only through the triage commands and the lifecycle of its finding
		// (internal/reports), which check each step; no role writes these fields directly.
		Owned: map[string]Owner{
			"status":       {Default: "received"},
			"assigned_to":  {},
			"finding":      {},
			"inspection":   {},
			"duplicate_of": {},
			"resolution":   {},
			"history":      {},
			"fixed_at":     {},
			"source":       {},
			// submission_key is a hidden field: no door but the server's and the admin UI's
			// reaches it at all.
		},
	},
	// Only the reports module writes a reporter's additions.
	schema.ReportUpdates: {
		Scoped: true, Immutable: []string{"report", "kind"},
		Parents: map[string]string{"report": schema.Reports, "photos": schema.Photos},
	},
	// Only the server writes notifications; their reader marks them read.
	schema.Notifications: {
		Owned: map[string]Owner{
			"user": {}, "kind": {}, "subdistrict": {}, "finding": {}, "referral": {}, "message": {}, "report": {},
		},
	},
	// A photo's status and the facts read from its bytes are set by internal/blobs when the
	// verified bytes arrive, never by a client: they are evidence.
	schema.Photos: {
		Author: "uploader", Scoped: true, Immutable: []string{"sha256"},
		Owned: map[string]Owner{
			"status": {Default: "pending"}, "received_at": {}, "reused": {Default: false}, "public": {Default: false},
			"mime": {}, "size": {}, "width": {}, "height": {}, "captured_at": {}, "captured_location": {},
		},
	},
}

// Locked lists the fields a writer of role may not change on update, in name order: the
// immutable ones, the author, the subdistrict of a scoped record and the fields role does not own.
func (p Policy) Locked(role Role) []string {
	locked := slices.Clone(p.Immutable)
	if p.Author != "" {
		locked = append(locked, p.Author)
	}
	if p.Scoped {
		locked = append(locked, schema.FieldSubdistrict)
	}
	for field, owner := range p.Owned {
		if !slices.Contains(owner.Roles, role) {
			locked = append(locked, field)
		}
	}
	slices.Sort(locked)
	return locked
}

// isZero reports whether v is a field's empty value.
func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	case int:
		return x == 0
	case []string:
		return len(x) == 0
	case types.DateTime:
		return x.IsZero()
	case types.JSONRaw:
		return len(x) == 0 || string(x) == "null"
	}
	return reflect.ValueOf(v).IsZero()
}

// holds reports whether r's field holds v, compared after the field's own normalisation (so a
// default written as an int matches a stored float64).
func holds(r *core.Record, field string, v any) bool {
	if v == nil {
		return false
	}
	probe := core.NewRecord(r.Collection())
	probe.Set(field, v)
	return reflect.DeepEqual(probe.Get(field), r.Get(field))
}

// fieldChanged reports whether r's field differs from its stored state.
func fieldChanged(stored, r *core.Record, field string) bool {
	return !reflect.DeepEqual(r.Get(field), stored.Get(field))
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
