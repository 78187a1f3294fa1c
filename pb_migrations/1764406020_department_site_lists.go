package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	a "github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/refdata"
	s "github.com/haidian/fieldsync/internal/schema"
)

// The departments' own quarterly site lists (gazette line 3739: "区住房城乡建设委、区城管委（交通委）、
// 区水务局、区园林绿化局等部门和各街镇，每季度向区环保局报送施工工地名单"; internal/dust/sitelist.go).
// Three of the departments were not agencies yet: they are added (refdata.Agencies). A list now
// belongs to a subdistrict or to a department (agency); the department's staff read their own
// lists, the environment bureau every list, and only the route writes them.
var newAgencyCodes = []string{"city", "water", "landscape"}

func init() {
	uniqueOld := indexName(s.SiteLists, "subdistrict", "quarter") + "_unique"
	uniqueNew := indexName(s.SiteLists, "subdistrict", "agency", "quarter") + "_unique"
	m.Register(func(app core.App) error {
		if err := addAgencies(app, newAgencyCodes); err != nil {
			return err
		}
		c, err := app.FindCollectionByNameOrId(s.SiteLists)
		if err != nil {
			return err
		}
		c.Fields.Add(rel("agency", s.Agencies, false))
		c.Fields.GetByName("subdistrict").(*core.RelationField).Required = false
		c.RemoveIndex(uniqueOld)
		c.AddIndex(indexName(s.SiteLists, "agency"), false, quoted("agency"), "")
		c.AddIndex(uniqueNew, true, quoted("subdistrict", "agency", "quarter"), "")
		read := a.ScopedRead(a.AgencyCodeIs("env"), a.AgencyIs("agency"))
		c.ListRule, c.ViewRule = read, read
		return app.Save(c)
	}, func(app core.App) error {
		c, err := app.FindCollectionByNameOrId(s.SiteLists)
		if err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM " + s.SiteLists + " WHERE agency != ''").Execute(); err != nil {
			return err
		}
		c.RemoveIndex(uniqueNew)
		c.RemoveIndex(indexName(s.SiteLists, "agency"))
		c.Fields.RemoveByName("agency")
		c.Fields.GetByName("subdistrict").(*core.RelationField).Required = true
		c.AddIndex(uniqueOld, true, quoted("subdistrict", "quarter"), "")
		read := a.ScopedRead(a.AgencyCodeIs("env"))
		c.ListRule, c.ViewRule = read, read
		return app.Save(c)
	})
}

// addAgencies saves the agencies of refdata with codes that the database does not hold yet (a
// database migrated before they joined refdata; a fresh one has them from the reference data).
func addAgencies(app core.App, codes []string) error {
	coll, err := app.FindCollectionByNameOrId(s.Agencies)
	if err != nil {
		return err
	}
	for i, ag := range refdata.Agencies() {
		if !slices.Contains(codes, ag.Code) {
			continue
		}
		if _, err := app.FindRecordById(coll, ag.ID); err == nil {
			continue
		}
		r := core.NewRecord(coll)
		r.Id = ag.ID
		r.Load(map[string]any{"code": ag.Code, "name_zh": ag.NameZH, "name_en": ag.NameEN, "sort": i + 1})
		a.AsSystem(r)
		if err := app.Save(r); err != nil {
			return err
		}
	}
	return nil
}
