package access_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
)

// Inside one transaction the field policies read a parent once, and read it again after it
// was written: a place moved to another subdistrict mid-transaction no longer takes findings
// of its old subdistrict, and takes those of its new one.
func TestParents_WrittenParentIsReadAgainInItsTransaction(t *testing.T) {
	a := testkit.NewApp(t)
	place := testkit.Side("venue", "a")
	finding := func(tx core.App, id, sd string) error {
		c, err := tx.FindCachedCollectionByNameOrId(schema.Findings)
		if err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Id = id
		r.Load(map[string]any{"programme": "fire", "place": place, "subdistrict": sd,
			"category": "fire.wiring", "severity": "general", "description": "楼道私拉电线"})
		access.AsSystem(r)
		return tx.Save(r)
	}
	err := a.RunInTransaction(func(tx core.App) error {
		if err := finding(tx, "parentcache0001", testkit.SubdistrictA); err != nil {
			t.Fatalf("first finding: %v", err)
		}
		p, err := tx.FindRecordById(schema.Places, place)
		if err != nil {
			t.Fatal(err)
		}
		p.Set(schema.FieldSubdistrict, testkit.SubdistrictB)
		access.AsSystem(p)
		if err := tx.Save(p); err != nil {
			t.Fatalf("move the place: %v", err)
		}
		if err := finding(tx, "parentcache0002", testkit.SubdistrictA); err == nil || !strings.Contains(err.Error(), "关联记录不存在") {
			t.Errorf("a finding of the old subdistrict at the moved place: %v, want link_invalid", err)
		}
		if err := finding(tx, "parentcache0003", testkit.SubdistrictB); err != nil {
			t.Errorf("a finding of the new subdistrict at the moved place: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The policies read a parent's subdistrict and agency with a query of their own instead of
// loading the whole record: for every record of every collection a policy links to, it reads
// what the record holds, and a missing record is an error.
func TestParents_LinkReadsWhatTheRecordHolds(t *testing.T) {
	a := testkit.NewApp(t)
	colls := map[string]bool{}
	for _, p := range access.Policies {
		for _, c := range p.Parents {
			colls[c] = true
		}
	}
	agencies := 0
	for c := range colls {
		rs, err := a.FindAllRecords(c)
		if err != nil || len(rs) == 0 {
			t.Fatalf("%s: %d records, %v: the fixture must hold some", c, len(rs), err)
		}
		for _, r := range rs {
			sd, ag, err := access.LinkOf(a, c, r.Id)
			if err != nil {
				t.Fatalf("%s/%s: %v", c, r.Id, err)
			}
			if sd != r.GetString(schema.FieldSubdistrict) || ag != r.GetString(schema.FieldAgency) {
				t.Errorf("%s/%s: read (%q, %q), the record holds (%q, %q)", c, r.Id, sd, ag,
					r.GetString(schema.FieldSubdistrict), r.GetString(schema.FieldAgency))
			}
			if sd == "" {
				t.Errorf("%s/%s: no subdistrict read", c, r.Id)
			}
			if ag != "" {
				agencies++
			}
		}
		if _, _, err := access.LinkOf(a, c, "nosuchrecord000"); err == nil {
			t.Errorf("%s: a missing record reads without error", c)
		}
	}
	if agencies == 0 {
		t.Error("no record with an agency was read: the fixture must hold a referred one")
	}
}
