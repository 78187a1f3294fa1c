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
