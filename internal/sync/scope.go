package sync

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/atomic"
	"github.com/haidian/fieldsync/internal/schema"
)

// Scope names a partition of synced data: "sd:<subdistrict>", "ag:<agency>", "ref" for
// reference data, or "me:<user>" for a user's own records. A record may be in several.
type Scope string

// Ref is the scope of reference data every staff member syncs.
const Ref Scope = "ref"

// SubdistrictScope returns the scope of a subdistrict's records.
func SubdistrictScope(id string) Scope { return Scope("sd:" + id) }

// AgencyScope returns the scope of the cases referred to an agency.
func AgencyScope(id string) Scope { return Scope("ag:" + id) }

// MeScope returns the scope of a user's own records.
func MeScope(id string) Scope { return Scope("me:" + id) }

// Valid reports whether s is well formed.
func (s Scope) Valid() bool {
	if s == Ref {
		return true
	}
	kind, id, ok := strings.Cut(string(s), ":")
	return ok && id != "" && len(id) <= 64 && (kind == "sd" || kind == "ag" || kind == "me")
}

// ScopesOf returns the scopes a actor may sync, decided by the server on every request from
// the actor's current memberships.
func ScopesOf(a access.Actor) []Scope {
	if !a.IsStaff() {
		return nil
	}
	out := []Scope{Ref, MeScope(a.ID)}
	if a.FieldStaff() {
		for _, sd := range a.Subdistricts {
			out = append(out, SubdistrictScope(sd))
		}
	}
	if a.Agency != "" {
		out = append(out, AgencyScope(a.Agency))
	}
	return out
}

// scoper computes the scopes of one record of a synced collection.
type scoper func(app core.App, r *core.Record) ([]Scope, error)

// synced lists the collections the sync protocol carries and how each is scoped. The scopes
// mirror the collections' API rules: what a user pulls is what they could list through REST.
// Report contacts and receipts, Open311 keys, the audit trail, the sync journal and the
// imported agency registries (registry_imports, registry_entries: district-wide, read through
// the tutoring routes) are
// deliberately absent: they never travel to phones.
var synced = map[string]scoper{
	schema.Subdistricts:  constant(Ref),
	schema.Agencies:      constant(Ref),
	schema.Dustfall:      constant(Ref),
	schema.Users:         func(_ core.App, r *core.Record) ([]Scope, error) { return []Scope{MeScope(r.Id)}, nil },
	schema.SyncIssues:    func(_ core.App, r *core.Record) ([]Scope, error) { return []Scope{MeScope(r.GetString("user"))}, nil },
	schema.Notifications: func(_ core.App, r *core.Record) ([]Scope, error) { return []Scope{MeScope(r.GetString("user"))}, nil },
	schema.Places:        placeScopes,
	schema.Households:    bySubdistrict,
	schema.Centres:       withPlaceAgencies,
	schema.Sites:         withPlaceAgencies,
	schema.CentreClasses: bySubdistrict,
	schema.Photos:        photoScopes,
	schema.AlarmQuotas:   withAgencyOfCode(bySubdistrict, "fire"),
	schema.AlarmInstalls: bySubdistrict,
	schema.LandEntries:   bySubdistrict,
	schema.Reports:       bySubdistrict,
	schema.ReportUpdates: bySubdistrict,
	schema.Inspections:   inspectionScopes,
	schema.Findings:      withOwnAgency,
	schema.Referrals:     withOwnAgency,
	schema.Enforcements:  enforcementScopes,

	schema.AlarmFollowups: bySubdistrict,
	schema.AlarmSamplings: withAgencyOfCode(nil, "fire"),
	schema.Incidents:      bySubdistrict,
}

// SyncedCollections lists the collections the sync protocol carries, sorted.
func SyncedCollections() []string {
	return slices.Sorted(maps.Keys(synced))
}

// Synced reports whether a collection is carried by the sync protocol.
func Synced(coll string) bool {
	_, ok := synced[coll]
	return ok
}

func constant(s Scope) scoper {
	return func(core.App, *core.Record) ([]Scope, error) { return []Scope{s}, nil }
}

func bySubdistrict(_ core.App, r *core.Record) ([]Scope, error) {
	return []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}, nil
}

func withOwnAgency(_ core.App, r *core.Record) ([]Scope, error) {
	out := []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}
	if ag := r.GetString(schema.FieldAgency); ag != "" {
		out = append(out, AgencyScope(ag))
	}
	return out, nil
}

// placeScopes puts a place in its subdistrict and in the scope of every agency that has one
// of its findings referred to it, as the places' list rule does.
func placeScopes(app core.App, r *core.Record) ([]Scope, error) {
	out := []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}
	return withFindingAgencies(app, r, out, dbx.HashExp{schema.FieldPlace: r.Id})
}

// withPlaceAgencies scopes a place's detail record (centre, site) like its place.
func withPlaceAgencies(app core.App, r *core.Record) ([]Scope, error) {
	out := []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}
	return withFindingAgencies(app, r, out, dbx.HashExp{schema.FieldPlace: r.GetString(schema.FieldPlace)})
}

// inspectionScopes adds to the inspection's own agency those of the findings it found that
// were referred, as the collection's list rule does.
func inspectionScopes(app core.App, r *core.Record) ([]Scope, error) {
	out, _ := withOwnAgency(app, r)
	return withFindingAgencies(app, r, out, dbx.HashExp{"inspection": r.Id})
}

// photoScopes puts a photo in its subdistrict and in the scope of every agency with a finding
// referred to it that shows the photo as evidence.
func photoScopes(app core.App, r *core.Record) ([]Scope, error) {
	out := []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}
	return withFindingAgencies(app, r, out,
		dbx.NewExp("EXISTS (SELECT 1 FROM json_each(photos) WHERE value = {:photo})", dbx.Params{"photo": r.Id}))
}

// withFindingAgencies adds the agencies of the referred findings of r's subdistrict that
// match where, mirroring access.ReferredVia.
func withFindingAgencies(app core.App, r *core.Record, out []Scope, where dbx.Expression) ([]Scope, error) {
	var agencies []string
	err := app.DB().Select("agency").Distinct(true).From(schema.Findings).
		Where(where).AndWhere(dbx.NewExp("agency != ''")).
		AndWhere(dbx.HashExp{schema.FieldSubdistrict: r.GetString(schema.FieldSubdistrict)}).
		OrderBy("agency").Column(&agencies)
	if err != nil {
		return nil, fmt.Errorf("finding agencies: %w", err)
	}
	for _, ag := range agencies {
		out = append(out, AgencyScope(ag))
	}
	return out, nil
}

// withAgencyOfCode adds to the scopes of base (none when nil) the scope of the agency with
// code, as the rule access.AgencyCodeIs(code) grants its staff every such record: the fire
// brigade reads every subdistrict's quotas and keeps the samplings.
func withAgencyOfCode(base scoper, code string) scoper {
	return func(app core.App, r *core.Record) ([]Scope, error) {
		var out []Scope
		if base != nil {
			var err error
			if out, err = base(app, r); err != nil {
				return nil, err
			}
		}
		var agency string
		err := app.DB().Select("id").From(schema.Agencies).Where(dbx.HashExp{"code": code}).Row(&agency)
		if err != nil {
			return nil, fmt.Errorf("agency %s: %w", code, err)
		}
		return append(out, AgencyScope(agency)), nil
	}
}

// enforcementScopes follows the finding's referral, as the collection's list rule does.
func enforcementScopes(app core.App, r *core.Record) ([]Scope, error) {
	out := []Scope{SubdistrictScope(r.GetString(schema.FieldSubdistrict))}
	var agency string
	err := app.DB().Select("agency").From(schema.Findings).
		Where(dbx.HashExp{"id": r.GetString("finding")}).Row(&agency)
	if err != nil {
		return nil, fmt.Errorf("enforcement scopes: %w", err)
	}
	if agency != "" {
		out = append(out, AgencyScope(agency))
	}
	return out, nil
}

// findingLinks are the fields of a finding that other records' scopes follow.
var findingLinks = []string{schema.FieldAgency, schema.FieldPlace, "inspection", "photos"}

// dependents returns the records whose scopes follow a finding's agency: its place, the
// place's centre or site, its inspection, its photos and its enforcement actions, as linked
// now and as linked before this write (a record the finding let go may leave a scope).
func dependents(app core.App, finding *core.Record) ([]*core.Record, error) {
	var out []*core.Record
	seen := map[string]bool{}
	for _, f := range []*core.Record{finding, atomic.Previous(finding)} {
		place := f.GetString(schema.FieldPlace)
		for _, q := range []struct {
			coll  string
			where dbx.Expression
		}{
			{schema.Places, dbx.HashExp{"id": place}},
			{schema.Centres, dbx.HashExp{schema.FieldPlace: place}},
			{schema.Sites, dbx.HashExp{schema.FieldPlace: place}},
			{schema.Inspections, dbx.HashExp{"id": f.GetString("inspection")}},
			{schema.Photos, dbx.In("id", anySlice(f.GetStringSlice("photos"))...)},
			{schema.Enforcements, dbx.HashExp{"finding": f.Id}},
		} {
			recs, err := app.FindAllRecords(q.coll, q.where)
			if err != nil {
				return nil, fmt.Errorf("dependents of %s: %w", finding.Id, err)
			}
			for _, r := range recs {
				if key := q.coll + "/" + r.Id; !seen[key] {
					seen[key] = true
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

func anySlice(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func scopeSet(list []Scope) []Scope {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}
