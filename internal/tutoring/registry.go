package tutoring

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/schema"
)

// trainingWords in a business's name say it trains or teaches; educationWords in its scope say
// education is in scope.
var (
	trainingWords  = []string{"培训", "教育咨询", "辅导", "补习", "学校", "学堂", "家教", "教育科技"}
	educationWords = []string{"培训", "教育", "辅导", "家教"}
)

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// matcher stores the lines of one import and remembers the credit codes it has seen.
type matcher struct {
	source string
	attr   access.Attribution // whom the lines are written for
	seen   map[string]int     // credit code → first line
	// byNameAddress maps the ledger's centres by placeKey, loaded on first use.
	byNameAddress map[string]string
}

var fieldMax = map[string]int{"name": 200, "address": 300, "licence_no": 60, "scope": 4000}

// check refuses a line that cannot be stored as it is.
func (m *matcher) check(l line) (CreditCode, *LineError) {
	refuse := func(code, msg string) *LineError { return &LineError{Line: l.no, Code: code, Message: msg} }
	if l.fields["name"] == "" {
		return "", refuse(LineNameMissing, "缺少机构名称 / the name is missing")
	}
	for f, max := range fieldMax {
		if utf8.RuneCountInString(l.fields[f]) > max {
			return "", refuse(LineTooLong, "字段过长："+f+" / field too long: "+f)
		}
	}
	code := NormalizeCredit(l.fields["credit_code"])
	if code == "" {
		return "", nil
	}
	if reason := code.Check(); reason != "" {
		return "", refuse(reason, creditMessages[reason])
	}
	if first, dup := m.seen[string(code)]; dup {
		return "", refuse(LineDuplicate, "统一社会信用代码与第"+itoa(first)+"行重复 / the credit code repeats line "+itoa(first))
	}
	m.seen[string(code)] = l.no
	return code, nil
}

// store checks, matches and stores one line, and returns its discrepancies.
func (m *matcher) store(tx core.App, job string, l line) ([]Discrepancy, *LineError) {
	code, le := m.check(l)
	if le != nil {
		return nil, le
	}
	centre, matchedBy := m.match(tx, code, l)
	c, err := tx.FindCollectionByNameOrId(schema.RegistryEntries)
	if err != nil {
		return nil, &LineError{Line: l.no, Code: LineRecordFailed, Message: err.Error()}
	}
	r := core.NewRecord(c)
	scope := l.fields["scope"]
	r.Load(map[string]any{"import": job, "source": m.source, "line": l.no, "credit_code": string(code),
		"name": l.fields["name"], "address": l.fields["address"], "licence_no": l.fields["licence_no"],
		"scope": scope, "education_in_scope": containsAny(scope, educationWords), "matched_by": matchedBy})
	if centre != nil {
		r.Set("centre", centre.Id)
		r.Set(schema.FieldSubdistrict, centre.GetString(schema.FieldSubdistrict))
	}
	access.Attribute(r, m.attr)
	if err := tx.Save(r); err != nil {
		return nil, &LineError{Line: l.no, Code: LineRecordFailed, Message: "无法保存 / not stored: " + err.Error()}
	}
	return m.compare(tx, r, centre), nil
}

// match finds the live centre of a line: by credit code, then by name and address as people
// write them differently (spaces, full-width characters, the city and district prefix).
func (m *matcher) match(tx core.App, code CreditCode, l line) (*core.Record, string) {
	if code != "" {
		if c, err := tx.FindFirstRecordByFilter(schema.Centres, "credit_code = {:c} && voided = false",
			dbx.Params{"c": string(code)}); err == nil {
			return c, "credit_code"
		}
	}
	if l.fields["address"] == "" {
		return nil, ""
	}
	if m.byNameAddress == nil {
		m.byNameAddress = centresByNameAddress(tx)
	}
	id, ok := m.byNameAddress[placeKey(l.fields["name"], l.fields["address"])]
	if !ok {
		return nil, ""
	}
	c, err := tx.FindRecordById(schema.Centres, id)
	if err != nil {
		return nil, ""
	}
	return c, "name_address"
}

// centresByNameAddress maps the live centres by placeKey of their place's name and address.
func centresByNameAddress(tx core.App) map[string]string {
	var rows []struct {
		ID      string `db:"id"`
		Name    string `db:"name"`
		Address string `db:"address"`
	}
	out := map[string]string{}
	err := tx.DB().NewQuery(`SELECT c.id, p.name, p.address FROM tutoring_centres c JOIN places p ON p.id = c.place
		WHERE c.voided = FALSE AND p.voided = FALSE ORDER BY c.id`).All(&rows)
	if err != nil {
		return out
	}
	for _, r := range rows {
		if _, dup := out[placeKey(r.Name, r.Address)]; !dup {
			out[placeKey(r.Name, r.Address)] = r.ID
		}
	}
	return out
}

// placeKey normalises a name and an address for matching: full-width letters and digits as
// ASCII, no spaces, lower case, without the "北京市" and "海淀区" prefixes.
func placeKey(name, address string) string {
	norm := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			switch {
			case r >= 0xFF01 && r <= 0xFF5E:
				r -= 0xFEE0
			case unicode.IsSpace(r):
				continue
			}
			b.WriteRune(unicode.ToLower(r))
		}
		out := b.String()
		for _, prefix := range []string{"北京市", "北京", "海淀区"} {
			out = strings.TrimPrefix(out, prefix)
		}
		return out
	}
	return norm(name) + "|" + norm(address)
}

// compare lists what an entry says that the ledger does not.
func (m *matcher) compare(tx core.App, e, centre *core.Record) []Discrepancy {
	d := func(kind, zh, en string) []Discrepancy {
		out := Discrepancy{Line: e.GetInt("line"), Kind: kind, CreditCode: e.GetString("credit_code"),
			Name: e.GetString("name"), Message: zh + " / " + en}
		if centre != nil {
			out.Centre = centre.Id
		}
		return []Discrepancy{out}
	}
	name := e.GetString("name")
	switch m.source {
	case "market":
		if containsAny(name, trainingWords) && (centre == nil || !centre.GetBool("school_licence")) &&
			!licensedInRegistry(tx, e.GetString("credit_code")) {
			return d(NameSaysTraining, "名称含培训、教育咨询等字样，但无办学许可证", "the name says it trains or teaches, but it holds no school licence")
		}
		want := "without_education"
		if e.GetBool("education_in_scope") {
			want = "with_education"
		}
		if centre != nil && centre.GetString("business_licence") != want {
			return d(ScopeMismatch, "营业执照经营范围与台账不一致", "the business licence's scope differs from the ledger")
		}
	case "education", "human_resources":
		if centre == nil {
			return d(NotInLedger, "有办学许可证，但台账中没有该机构", "licensed, but the ledger has no such centre")
		}
		if !centre.GetBool("school_licence") {
			return d(LicenceMismatch, "名录中有办学许可证，台账记录为无证", "the registry licenses it; the ledger records no licence")
		}
		if no := e.GetString("licence_no"); no != "" && centre.GetString("licence_no") != "" && no != centre.GetString("licence_no") {
			return d(LicenceNoMismatch, "办学许可证号与台账不一致", "the licence number differs from the ledger's")
		}
	case "civil_affairs":
		if centre == nil && containsAny(name, trainingWords) {
			return d(NotInLedger, "民政登记的培训机构，台账中没有", "a registered training organisation the ledger lacks")
		}
		if centre != nil && !centre.GetBool("institution_certificate") {
			return d(CertificateMismatch, "民政已登记，台账记录无证书", "registered with civil affairs; the ledger records no certificate")
		}
	}
	return nil
}

// licensedInRegistry reports whether an imported education or human-resources registry
// licenses the credit code.
func licensedInRegistry(tx core.App, code string) bool {
	if code == "" {
		return false
	}
	var n int
	err := tx.DB().Select("COUNT(*)").From(schema.RegistryEntries).
		Where(dbx.HashExp{"credit_code": code, "source": []any{"education", "human_resources"}}).Row(&n)
	return err == nil && n > 0
}

func itoa(n int) string { return strconv.Itoa(n) }
