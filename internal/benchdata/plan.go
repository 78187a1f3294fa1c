package benchdata

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/haidian/fieldsync/internal/schema"
)

// group is the records of one kind: one collection, or the places of one kind. Each
// subdistrict gets the same number of them, numbered k = 0, 1, 2...
type group struct {
	coll   string
	prefix string // the 4 letters that start the ids
	// One of weight, like, fixed and size sizes the group: a share of the records (per
	// mille of the weights' sum), the count of another group (one detail record per place),
	// a fixed count per subdistrict, or a count derived from other groups (then weight is
	// the share it is expected to take, so the shares of the others leave room for it).
	weight int
	like   string
	fixed  int
	size   func(per map[string]int) int
	make   func(p *Plan, sd, k int) map[string]any
}

// Plan is the layout of a dataset of a given size: how many records of each kind every
// subdistrict has. The record builders read it to link records to parents of the same
// subdistrict, and benchmarks to name records the dataset holds.
type Plan struct {
	groups []group
	per    map[string]int // records per subdistrict, by group prefix
	total  int
	now    time.Time // the server's present, after which open cases fall due
}

// groups lists the groups parents first. The shares follow the programmes' weight in the
// field: many households and inspections, fewer centres and sites.
func groups() []group {
	return []group{
		{coll: schema.Places, prefix: "plhh", weight: 110, make: householdPlace},
		{coll: schema.Places, prefix: "plvn", weight: 60, make: venuePlace},
		{coll: schema.Places, prefix: "plct", weight: 15, make: centrePlace},
		{coll: schema.Places, prefix: "plst", weight: 10, make: sitePlace},
		{coll: schema.Places, prefix: "plbl", weight: 10, make: landPlace},
		{coll: schema.Places, prefix: "plot", weight: 10, make: otherPlace},
		{coll: schema.Households, prefix: "hous", like: "plhh", make: household},
		{coll: schema.Centres, prefix: "cent", like: "plct", make: centre},
		{coll: schema.CentreClasses, prefix: "clas", weight: 30, make: centreClass},
		{coll: schema.Sites, prefix: "site", like: "plst", make: site},
		{coll: schema.Photos, prefix: "phot", weight: 20, make: photo},
		{coll: schema.Inspections, prefix: "insp", weight: 160, make: inspection},
		{coll: schema.Inspections, prefix: "rein", weight: 40, size: reinspections, make: reinspection},
		{coll: schema.Findings, prefix: "find", weight: 140, make: finding},
		{coll: schema.Referrals, prefix: "refe", weight: 15, make: referral},
		{coll: schema.Enforcements, prefix: "enfo", weight: 15, make: enforcement},
		{coll: schema.AlarmQuotas, prefix: "alqu", fixed: 2, make: quota},
		{coll: schema.AlarmInstalls, prefix: "alin", weight: 110, make: install},
		{coll: schema.LandEntries, prefix: "land", weight: 40, make: landEntry},
		{coll: schema.Dustfall, prefix: "dust", fixed: 6, make: dustfall},
		{coll: schema.Reports, prefix: "repo", weight: 30, make: report},
	}
}

// NewPlan lays out a dataset of about records business records.
func NewPlan(records int) *Plan {
	p := &Plan{groups: groups(), per: map[string]int{}, now: time.Now()}
	weights := map[string]int{}
	sum := 0
	for _, g := range p.groups {
		w := g.weight
		if g.like != "" {
			w = weights[g.like]
		}
		weights[g.prefix] = w
		sum += w
	}
	share := func(g group) int {
		return max(1, int(math.Round(float64(records)*float64(weights[g.prefix])/float64(sum)/Subdistricts)))
	}
	// Sized groups may derive from groups listed after them (re-inspections from findings),
	// so they are sized last.
	for _, g := range p.groups {
		switch {
		case g.fixed > 0:
			p.per[g.prefix] = g.fixed
		case g.size == nil:
			p.per[g.prefix] = share(g)
		}
	}
	for _, g := range p.groups {
		if g.size != nil {
			p.per[g.prefix] = max(1, g.size(p.per))
		}
		p.total += p.per[g.prefix] * Subdistricts
	}
	p.total += Subdistricts*(InspectorsPerSubdistrict+1) + 9 + 1 // staff, agency staff, superuser
	return p
}

// Collections returns the collections the plan saves records of, accounts aside, sorted.
func (p *Plan) Collections() []string {
	var out []string
	for _, g := range p.groups {
		if !slices.Contains(out, g.coll) {
			out = append(out, g.coll)
		}
	}
	slices.Sort(out)
	return out
}

// Total returns the number of records the plan saves, accounts included.
func (p *Plan) Total() int { return p.total }

// id returns the id of record k of subdistrict sd in the group of prefix.
func (p *Plan) id(prefix string, sd, k int) string {
	return fmt.Sprintf("%s%011d", prefix, k*Subdistricts+sd-1)
}

// pick returns the id of a record of the group of prefix in subdistrict sd, chosen by n.
func (p *Plan) pick(prefix string, sd, n int) string { return p.id(prefix, sd, p.index(prefix, n)) }

// index spreads n over the records of a group, so children do not all pile on the first
// parents.
func (p *Plan) index(prefix string, n int) int { return (n * 7919) % p.per[prefix] }

// The programmes, with the agency their referred cases go to (refdata order: fire brigade,
// education commission, environment bureau).
var programmes = []struct {
	name   string
	agency int
}{{"fire", 1}, {"smoke_alarm", 1}, {"tutoring", 2}, {"dust", 3}}

// inspectionOf returns the programme, kind and place of inspection k of subdistrict sd:
// 40% fire, 20% smoke alarms, 15% tutoring, 25% dust, each at places of its kind.
func (p *Plan) inspectionOf(sd, k int) (programme int, kind, place string) {
	switch r := k % 20; {
	case r < 8 && r%2 == 0:
		return 0, "routine", p.pick("plvn", sd, k)
	case r < 8:
		return 0, "home_visit", p.pick("plhh", sd, k)
	case r < 12:
		return 1, "install", p.pick("plhh", sd, k)
	case r < 15:
		return 2, []string{"survey", "routine", "reinspection"}[k%3], p.pick("plct", sd, k)
	case r < 18:
		return 3, "routine", p.pick("plst", sd, k)
	default:
		return 3, "survey", p.pick("plbl", sd, k)
	}
}

// The statuses of the generated findings, in turn. A re-inspected or closed finding (the
// 4th and 5th of every 7) links the passing re-inspection with photos that the rectification
// lifecycle requires; the re-inspections are numbered in the order of their findings. An
// ordered or acknowledged finding is due after the present; an escalated one was due before.
var findingStatuses = []string{"open", "ordered", "acknowledged", "reinspected", "closed", "escalated", "open"}

const firstReinspected = 3 // the index in findingStatuses of "reinspected", followed by "closed"

// reinspectionOf returns the re-inspection index of finding k, if its status needs one.
func reinspectionOf(k int) (int, bool) {
	n, r := k/len(findingStatuses), k%len(findingStatuses)-firstReinspected
	if r < 0 || r > 1 {
		return 0, false
	}
	return 2*n + r, true
}

// reinspected returns the finding that re-inspection r is of.
func reinspected(r int) int { return r/2*len(findingStatuses) + firstReinspected + r%2 }

// reinspections returns how many re-inspections a subdistrict's findings need.
func reinspections(per map[string]int) int {
	f := per["find"]
	return 2*(f/len(findingStatuses)) + min(2, max(0, f%len(findingStatuses)-firstReinspected))
}

// dueAfterNow returns a deadline 30 to 210 days after the present, as PocketBase stores dates.
func (p *Plan) dueAfterNow(n int) string {
	d := p.now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 30+n%180)
	return d.Format("2006-01-02") + " 00:00:00.000Z"
}

// findingOf returns the inspection index of finding k of subdistrict sd.
func (p *Plan) findingOf(k int) int { return p.index("insp", 3*k+1) }

// referred reports whether finding k is referred to an agency: one in twenty.
func referred(k int) bool { return k%20 == 0 }

// findingAgency returns the agency finding k of subdistrict sd is referred to, or 0.
func (p *Plan) findingAgency(sd, k int) int {
	if !referred(k) {
		return 0
	}
	prog, _, _ := p.inspectionOf(sd, p.findingOf(k))
	return programmes[prog].agency
}
