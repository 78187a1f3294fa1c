package benchdata

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/haidian/fieldsync/internal/fire"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/vocab"
)

// The record builders: each returns the field values of record k of subdistrict sd.

func sdID(sd int) string { return refdata.SubdistrictID(sd) }

func inspectorOf(sd, k int) string { return InspectorID(sd, k%InspectorsPerSubdistrict+1) }

func place(sd, k int, kind, name string) map[string]any {
	return map[string]any{"kind": kind, "name": name, "subdistrict": sdID(sd), "address": address(sd, k),
		"location": location(sd, k), "grid": grid(sd, k), "author": inspectorOf(sd, k)}
}

func householdPlace(_ *Plan, sd, k int) map[string]any {
	return place(sd, k, "household", fmt.Sprintf("%s%d号楼%d单元%d户", community(k), k%30+1, k%6+1, 100*(k%18+1)+k%4+1))
}

var venueTypes = vocab.VenueType.Values()

func venuePlace(_ *Plan, sd, k int) map[string]any {
	d := place(sd, k, "venue", fmt.Sprintf("%s%d号%s", streets[k%len(streets)], k%300+1, []string{
		"地下空间", "群租房", "便民菜店", "小吃店", "物流仓库", "出租公寓", "老旧小区楼栋", "村民自建房"}[k%8]))
	d["venue_type"] = venueTypes[k%len(venueTypes)]
	d["key_unit"] = k%50 == 0
	return d
}

func centrePlace(_ *Plan, sd, k int) map[string]any {
	return place(sd, k, "tutoring_centre", fmt.Sprintf("%s%s教育%s校区", []string{"启智", "博雅", "思远", "清源",
		"智慧树", "小博士", "未来星", "育才"}[k%8], []string{"", "科技", "文化", "艺术"}[k%4], streets[k%len(streets)]))
}

func sitePlace(_ *Plan, sd, k int) map[string]any {
	return place(sd, k, "construction_site", fmt.Sprintf("%s%s项目%d号地块", streets[k%len(streets)],
		[]string{"安置房", "保障性住房", "研发楼", "商业综合体", "学校"}[k%5], k%40+1))
}

func landPlace(_ *Plan, sd, k int) map[string]any {
	return place(sd, k, "bare_land", fmt.Sprintf("%s腾退地块%d", streets[k%len(streets)], k+1))
}

func otherPlace(_ *Plan, sd, k int) map[string]any {
	kind := []string{"road", "stockpile", "mixing_station"}[k%3]
	return place(sd, k, kind, fmt.Sprintf("%s%s%d", streets[k%len(streets)],
		map[string]string{"road": "路段", "stockpile": "堆料场", "mixing_station": "搅拌站"}[kind], k+1))
}

// householdFacts are the facts of the k-th household that decide its smoke-alarm eligibility.
func householdFacts(k int) (members int, elderlyAlone, disabled bool) {
	members = k%5 + 1
	return members, members == 1 && k%3 > 0, k%17 == 0
}

func household(p *Plan, sd, k int) map[string]any {
	members, elderlyAlone, disabled := householdFacts(k)
	h := map[string]any{"place": p.id("plhh", sd, k), "subdistrict": sdID(sd), "head_name": personName(k + sd),
		"phone": phone(k*29 + sd), "members": members, "members_60plus": min(members, k%3),
		"elderly_alone": elderlyAlone, "disabled": disabled,
		"notes": sentence(alarmNotes, k, 2), "author": inspectorOf(sd, k)}
	if elderlyAlone {
		// Born 1930-1954: 60 or over on every install day of 2018, as a networked unit needs.
		h["resident_born_on"] = fmt.Sprintf("%d-%02d-15 00:00:00.000Z", 1930+k%25, k%12+1)
	}
	return h
}

var (
	qualifications = vocab.Qualification.Values()
	categories     = vocab.TrainingCategory.Values()
	subjects       = vocab.Subject.Values()
)

func centre(p *Plan, sd, k int) map[string]any {
	q := qualifications[k%len(qualifications)]
	return map[string]any{"place": p.id("plct", sd, k), "subdistrict": sdID(sd), "founded_on": day(k * 11),
		"registered_address": address(sd, k+5), "legal_rep_name": personName(k), "legal_rep_hukou": "北京市海淀区",
		"legal_rep_phone": phone(k + 7), "principal_name": personName(k + 3), "principal_hukou": "河北省保定市",
		"principal_phone": phone(k + 11), "sponsor_name": fmt.Sprintf("北京%s教育科技有限公司", personName(k)),
		"sponsor_type": []string{"company", "individual", "ngo"}[k%3], "school_licence": q == "licensed",
		"business_licence": []string{"with_education", "without_education", "none"}[k%3], "qualification": q,
		"categories": []string{categories[k%len(categories)], categories[(k+3)%len(categories)]},
		"subjects":   []string{subjects[k%len(subjects)]}, "mode": []string{"offline", "online", "both"}[k%3],
		"trainees_2017": 50 + k%500, "trainees_now": 40 + k%450, "admission_link": k%9 == 0,
		"teaching_measures": sentence(tutoringNotes, k, 2), "prepaid_total_10k_yuan": float64(k%1000) / 10,
		"prepaid_students": k % 300, "premises": []string{"rented", "owned"}[k%2], "floor_area_m2": 60 + k%800,
		"staff": 2 + k%30, "fulltime_staff": 1 + k%15, "certified_teachers": k % 12, "fire_acceptance": k%4 != 0,
		"list_status": []string{"none", "white", "black"}[k%3], "status": "operating", "author": inspectorOf(sd, k)}
}

func centreClass(p *Plan, sd, k int) map[string]any {
	return map[string]any{"centre": p.pick("cent", sd, k), "subdistrict": sdID(sd),
		"name":    []string{"少儿创意美术", "小学英语自然拼读", "少儿编程", "五年级数学同步辅导", "围棋启蒙", "机器人搭建"}[k%6],
		"content": sentence(tutoringNotes, k, 1), "target_students": fmt.Sprintf("%d-%d岁", 5+k%5, 9+k%5),
		"schedule": fmt.Sprintf("每周%s %d:00-%d:30", []string{"六", "日"}[k%2], 8+k%8, 9+k%8), "author": inspectorOf(sd, k)}
}

var stages = vocab.SiteStage.Values()

func site(p *Plan, sd, k int) map[string]any {
	return map[string]any{"place": p.id("plst", sd, k), "subdistrict": sdID(sd),
		"permit_no": fmt.Sprintf("[2018]施[海]建字%04d号", k*29+sd), "developer": fmt.Sprintf("北京%s置业有限公司", streets[k%len(streets)]),
		"contractor": fmt.Sprintf("北京%s建设工程有限公司", communities[k%len(communities)]), "stage": stages[k%len(stages)],
		"area_m2": float64(5000 + k%60000), "starts_on": day(k), "ends_on": day(k + 300), "author": inspectorOf(sd, k)}
}

func photo(p *Plan, sd, k int) map[string]any {
	sum := sha256.Sum256([]byte(p.id("phot", sd, k)))
	return map[string]any{"sha256": hex.EncodeToString(sum[:]), "subdistrict": sdID(sd), "status": "pending",
		"mime": "image/jpeg", "size": 200000 + k%500000, "width": 1920, "height": 1440, "captured_at": moment(k),
		"captured_location": location(sd, k), "uploader": inspectorOf(sd, k)}
}

func inspection(p *Plan, sd, k int) map[string]any {
	prog, kind, pl := p.inspectionOf(sd, k)
	d := map[string]any{"programme": programmes[prog].name, "kind": kind, "place": pl, "subdistrict": sdID(sd),
		"inspector": inspectorOf(sd, k), "inspected_at": moment(k), "result": []string{"pass", "fail", "fail", "not_present"}[k%4],
		"notes": sentence(programmeNotes[prog], k, 3), "location": location(sd, k), "review": "submitted"}
	if c := checklist(prog, k, false); c != nil {
		d["checklist"] = c
	}
	if k%20 == 3 {
		d["agency"] = refdata.AgencyID(programmes[prog].agency)
	}
	if k%4 == 0 {
		d["review"], d["reviewed_by"], d["reviewed_at"] = "approved", SupervisorID(sd), moment(k+1)
	}
	return d
}

// findingCategories are the categories of each programme's findings, in programme order.
var findingCategories = [][]string{
	{"fire.evacuation", "fire.facilities", "fire.wiring", "fire.ebike_charging", "fire.group_rental",
		"fire.basement_dwelling", "fire.multi_in_one", "fire.high_power_appliance"},
	{"fire.electric_gas", "fire.daily_management"},
	{"tutoring.business_licence_only", "tutoring.ahead_of_schedule", "tutoring.illegal_fees",
		"tutoring.public_school_teacher", "tutoring.no_licence", "tutoring.safety_hazard"},
	{"dust.cover", "dust.washing", "dust.hardening", "dust.muck_truck", "dust.bare_land"},
}

// findingData is what an inspector records of finding k of subdistrict sd.
func (p *Plan) findingData(sd, k int) map[string]any {
	insp := p.findingOf(k)
	prog, _, pl := p.inspectionOf(sd, insp)
	cats := findingCategories[prog]
	programme := programmes[prog].name
	if prog == 1 {
		programme = "fire" // a smoke-alarm visit that finds a hazard records a fire hazard
	}
	cat, severity := cats[k%len(cats)], []string{"general", "general", "general", "major"}[k%4]
	if slices.Contains(fire.AlwaysMajor, cat) {
		severity = "major"
	}
	return map[string]any{"programme": programme, "place": pl, "subdistrict": sdID(sd),
		"inspection": p.id("insp", sd, insp), "category": cat, "severity": severity,
		"description": sentence(programmeNotes[prog], k, 2), "deadline": day(k + 120),
		"responsible_party": fmt.Sprintf("%s物业管理处", community(k))}
}

func finding(p *Plan, sd, k int) map[string]any {
	d := p.findingData(sd, k)
	status := findingStatuses[k%len(findingStatuses)]
	d["status"], d["author"], d["supervised"] = status, inspectorOf(sd, k), d["severity"] == "major"
	if status != "open" {
		d["ordered_at"] = moment(k + 2)
	}
	switch status {
	case "ordered", "acknowledged":
		d["deadline"] = p.dueAfterNow(k)
	case "escalated":
		d["escalated_at"] = moment(k + 125)
	}
	if ag := p.findingAgency(sd, k); ag > 0 {
		d["agency"] = refdata.AgencyID(ag)
	}
	if r, ok := reinspectionOf(k); ok {
		d["reinspection"] = p.id("rein", sd, r)
	}
	if status == "closed" {
		d["closed_by"], d["closed_at"] = SupervisorID(sd), moment(k+30)
	}
	return d
}

// reinspection is the passing re-inspection, with a photo, of the place of a re-inspected or
// closed finding.
func reinspection(p *Plan, sd, r int) map[string]any {
	k := reinspected(r)
	prog, _, pl := p.inspectionOf(sd, p.findingOf(k))
	d := map[string]any{"programme": programmes[prog].name, "kind": "reinspection", "place": pl,
		"subdistrict": sdID(sd), "inspector": inspectorOf(sd, k), "inspected_at": moment(k + 20), "result": "pass",
		"notes": "复查：" + sentence(programmeNotes[prog], k+1, 2), "location": location(sd, k),
		"photos": []string{p.pick("phot", sd, r)}, "review": "submitted"}
	if c := checklist(prog, k, true); c != nil {
		d["checklist"] = c
	}
	return d
}

// checklist is the checklist an inspection of programme prog records: the fire brigade's
// safety checks, or the six items of the six-100% rule that a dust check must record item by
// item (internal/dust); passed holds every item, as a passing re-inspection does.
func checklist(prog, k int, passed bool) map[string]any {
	holds := func(every int) bool { return passed || k%every != 0 }
	switch prog {
	case 0:
		return map[string]any{"exits_clear": passed || k%2 == 0, "extinguishers": holds(3),
			"emergency_lights": holds(5), "wiring_ok": holds(7), "nobody_living": holds(4)}
	case 3:
		return map[string]any{"hoarding": true, "cover": holds(2), "washing": holds(3),
			"hardening": holds(5), "wet_demolition": true, "muck_truck": holds(4)}
	}
	return nil
}

func referral(p *Plan, sd, k int) map[string]any {
	// Only referred findings have referrals: every twentieth.
	f := k % max(1, p.per["find"]/20) * 20
	status, deadline := []string{"pending", "acknowledged", "done"}[k%3], day(k+140)
	if status == "pending" {
		deadline = p.dueAfterNow(k) // an unanswered referral past its deadline is escalated
	}
	return map[string]any{"finding": p.id("find", sd, f), "subdistrict": sdID(sd),
		"agency": refdata.AgencyID(max(1, p.findingAgency(sd, f))), "status": status,
		"deadline": deadline, "reason": "街镇吹哨：" + sentence(fireNotes, k, 2), "author": SupervisorID(sd)}
}

var measures = vocab.EnforcementMeasure.Values()

func enforcement(p *Plan, sd, k int) map[string]any {
	m := measures[k%len(measures)]
	d := map[string]any{"finding": p.pick("find", sd, k), "subdistrict": sdID(sd), "measure": m,
		"decided_at": moment(k + 40), "notes": sentence(fireNotes, k+3, 2), "decided_by": SupervisorID(sd)}
	if m == "fine" {
		d["fine_yuan"] = float64(5000 * (k%10 + 1))
	}
	return d
}

func quota(_ *Plan, sd, k int) map[string]any {
	unit := []string{"networked", "ordinary"}[k%2]
	demand := 100 + sd*7
	if unit == "ordinary" {
		demand *= 18
	}
	return map[string]any{"subdistrict": sdID(sd), "unit_type": unit, "year": 2018, "demand": demand,
		"quota": demand * 9 / 10, "risk_level": []string{"low", "medium", "high"}[sd%3], "population": 40000 + sd*5000}
}

// install is an ordinary unit, or a networked one where the household it lands in is eligible
// (an elderly person living alone or a disabled person): the server refuses any other.
func install(p *Plan, sd, k int) map[string]any {
	unit, elig := "ordinary", []string{"member_60plus", "general"}[k%2]
	_, elderlyAlone, disabled := householdFacts(p.index("plhh", k))
	if elderlyAlone || disabled {
		unit, elig = "networked", map[bool]string{true: "elderly_alone", false: "disabled"}[elderlyAlone]
	}
	return map[string]any{"household": p.pick("plhh", sd, k), "subdistrict": sdID(sd), "unit_type": unit,
		"eligibility": elig, "installed_on": day(k + 180), "serial": fmt.Sprintf("HDYG-%02d-%07d", sd, k),
		"location_in_home": []string{"客厅", "卧室", "厨房外走廊"}[k%3], "consent": true, "installer": inspectorOf(sd, k)}
}

func landEntry(p *Plan, sd, k int) map[string]any {
	states := [][2]string{{"bare", "none"}, {"covered", "cover"}, {"greened", "green"}, {"paved", "pave"}}
	st := states[k%len(states)]
	return map[string]any{"place": p.pick("plbl", sd, k), "subdistrict": sdID(sd), "recorded_on": day(k + 90),
		"area_m2": float64(500 + k%40000), "state": st[0], "treatment": st[1], "notes": sentence(dustNotes, k, 2),
		"author": inspectorOf(sd, k)}
}

func dustfall(_ *Plan, sd, k int) map[string]any {
	return map[string]any{"subdistrict": sdID(sd), "month": fmt.Sprintf("2018-%02d", k+1),
		"tons_per_km2": float64(50+sd+k*3) / 10}
}

var reportCategories = vocab.ReportCategory.Values()

func report(p *Plan, sd, k int) map[string]any {
	cat := reportCategories[k%len(reportCategories)]
	pl, notes := p.pick("plct", sd, k), tutoringNotes
	switch cat {
	case "fire":
		pl, notes = p.pick("plvn", sd, k), fireNotes
	case "dust":
		pl, notes = p.pick("plst", sd, k), dustNotes
	}
	return map[string]any{"tracking_no": fmt.Sprintf("HDB-%02d-%07d", sd, k), "category": cat,
		"subdistrict": sdID(sd), "place": pl, "address": address(sd, k), "location": location(sd, k),
		"description": "群众反映：" + sentence(notes, k, 2), "status": "received"}
}

// NewFinding returns the data a phone sends for a new finding of subdistrict sd (1 to 29):
// a hazard found at one of the generated places, linked to one of its inspections. n varies
// the place, inspection and words.
func (p *Plan) NewFinding(sd, n int) map[string]any { return p.findingData(sd, n) }
