package benchdata

import (
	"strconv"
	"strings"
	"testing"
)

func TestNewPlan_SizeAndIDs(t *testing.T) {
	for _, records := range []int{1000, 30_000, 300_000} {
		p := NewPlan(records)
		accounts := Subdistricts*(InspectorsPerSubdistrict+1) + 9 + 1
		// Every subdistrict has at least one record of each kind, so a small plan is larger.
		if got := p.Total() - accounts; records >= 30_000 && (got < records*97/100 || got > records*103/100) {
			t.Errorf("plan of %d records holds %d", records, got)
		}
		for _, g := range p.groups {
			if p.per[g.prefix] < 1 {
				t.Errorf("plan of %d: no %s", records, g.prefix)
			}
			id := p.id(g.prefix, Subdistricts, p.per[g.prefix]-1)
			if len(id) != 15 || strings.Trim(id, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
				t.Errorf("id %q is not 15 lowercase letters or digits", id)
			}
		}
	}
}

// TestPlan_ParentsInSubdistrict checks the builders link only to parents of the record's own
// subdistrict, which the access policies would refuse otherwise.
func TestPlan_ParentsInSubdistrict(t *testing.T) {
	p := NewPlan(30_000)
	parents := map[string]bool{"place": true, "household": true, "centre": true, "finding": true, "inspection": true,
		"reinspection": true}
	for _, g := range p.groups {
		for sd := 1; sd <= Subdistricts; sd += 7 {
			for k := range min(p.per[g.prefix], 50) {
				for field, v := range g.make(p, sd, k) {
					id, ok := v.(string)
					if !ok || !parents[field] {
						continue
					}
					n, err := strconv.Atoi(id[4:])
					if err != nil {
						t.Fatalf("%s %s: %v", g.prefix, id, err)
					}
					if n%Subdistricts != sd-1 {
						t.Errorf("%s of subdistrict %d links %s %s of subdistrict %d", g.prefix, sd, field, id, n%Subdistricts+1)
					}
				}
			}
		}
	}
}
