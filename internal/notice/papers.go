package notice

import (
	"cmp"
	"encoding/json"
	"fmt"
	bj "github.com/haidian/fieldsync/internal/beijing"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/visible"
	"github.com/haidian/fieldsync/internal/vocab"
)

// basis is the law a programme's notice cites.
var basis = map[string]string{
	"fire":     "《中华人民共和国消防法》《北京市消防条例》",
	"tutoring": "《中华人民共和国民办教育促进法》及本市校外培训机构专项治理工作要求",
	"dust":     "《北京市大气污染防治条例》",
}

// caseData is what a notice says of a finding, as its reader may see it.
type caseData struct {
	finding     *core.Record
	place       place
	subdistrict string // its Chinese name
	inspectedAt string // the date of the inspection that found it, if linked and visible
	inspector   string
}

// place is what a paper says of a place: its name and address, both Withheld when the reader
// may not view it.
type place struct{ name, address string }

func label(e vocab.Enum, v string) string {
	if t, ok := e.Label(v); ok {
		return t.ZH
	}
	return v
}

// beijing is the time zone every printed date is in (Asia/Shanghai, which keeps no daylight
// saving time); the database stores UTC, so a deadline at midnight in Beijing is 16:00 of
// the day before in the record.
var beijing = bj.Zone

func inBeijing(r *core.Record, field string) time.Time {
	return r.GetDateTime(field).Time().In(beijing)
}

func day(r *core.Record, field string) string {
	if r.GetDateTime(field).IsZero() {
		return ""
	}
	return inBeijing(r, field).Format("2006年1月2日")
}

func placeOf(rd *visible.Reader, id string) (place, error) {
	p, err := rd.Related(schema.Places, id)
	if err != nil || p == nil {
		return place{visible.Withheld, visible.Withheld}, err
	}
	return place{p.GetString("name"), p.GetString("address")}, nil
}

func subdistrictName(rd *visible.Reader, id string) (string, error) {
	sd, err := rd.Related(schema.Subdistricts, id)
	if err != nil || sd == nil {
		return "", err
	}
	return sd.GetString("name_zh"), nil
}

func loadCase(rd *visible.Reader, f *core.Record) (*caseData, error) {
	c := &caseData{finding: f, inspector: rd.UserName(f.GetString("author"))}
	var err error
	if c.place, err = placeOf(rd, f.GetString(schema.FieldPlace)); err != nil {
		return nil, err
	}
	if c.subdistrict, err = subdistrictName(rd, f.GetString(schema.FieldSubdistrict)); err != nil {
		return nil, err
	}
	in, err := rd.Related(schema.Inspections, f.GetString("inspection"))
	if err != nil {
		return nil, err
	}
	if in != nil {
		c.inspectedAt = day(in, "inspected_at")
		if c.inspector == "" {
			c.inspector = rd.UserName(in.GetString("inspector"))
		}
	}
	return c, nil
}

// notice draws the rectification notice of an ordered finding.
func (d *doc) notice(c *caseData) {
	f := c.finding
	d.title("责令限期整改通知书")
	d.right(11, fmt.Sprintf("海%s责改〔%d〕%s号", c.subdistrict, inBeijing(f, "deadline").Year(), f.Id[len(f.Id)-6:]))
	d.pdf.Ln(4)
	party := f.GetString("responsible_party")
	if party == "" {
		party = c.place.name
	}
	d.para(party + "：")
	when := c.inspectedAt
	if when == "" {
		when = "近日"
	}
	d.para(fmt.Sprintf("%s，%s工作人员对你（单位）位于%s的%s进行检查，发现存在下列问题：",
		when, c.subdistrict, c.place.address, c.place.name))
	problem := fmt.Sprintf("%s：%s", label(vocab.FindingCategory, f.GetString("category")), f.GetString("description"))
	if f.GetString("severity") == "major" {
		problem += "（重大隐患）"
	}
	d.para(problem)
	law := basis[f.GetString("programme")]
	if law == "" {
		law = "有关法律法规"
	}
	d.para(fmt.Sprintf("根据%s的规定，现责令你（单位）于%s前整改完毕。整改期间应当采取措施，确保安全。"+
		"整改完毕后请及时告知，我们将进行复查；逾期不整改的，将依法处理。", law, day(f, "deadline")))
	d.pdf.Ln(10)
	d.rows([][2]string{
		{"检查人员", c.inspector},
		{"被检查单位签收", f.GetString("acknowledged_by_name")},
		{"签收日期", day(f, "acknowledged_at")},
	})
	d.pdf.Ln(8)
	d.right(12, c.subdistrict+"（盖章）")
	d.right(12, "年    月    日")
	d.pdf.Ln(6)
	d.pdf.SetFont(family, "", 9)
	d.pdf.MultiCell(0, 5, "本通知书一式两份，一份交被检查单位，一份存档。编号 "+f.Id, "", "L", false)
}

// inspectionData is what a record says of an inspection, as its reader may see it: of its
// findings, only those REST lists for the reader.
type inspectionData struct {
	inspection  *core.Record
	place       place
	subdistrict string
	inspector   string
	findings    []*core.Record
}

func loadInspection(rd *visible.Reader, in *core.Record) (*inspectionData, error) {
	r := &inspectionData{inspection: in, inspector: rd.UserName(in.GetString("inspector"))}
	var err error
	if r.place, err = placeOf(rd, in.GetString(schema.FieldPlace)); err != nil {
		return nil, err
	}
	if r.subdistrict, err = subdistrictName(rd, in.GetString(schema.FieldSubdistrict)); err != nil {
		return nil, err
	}
	if r.findings, err = rd.FindAll(schema.Findings, dbx.HashExp{"inspection": in.Id, "voided": false}); err != nil {
		return nil, err
	}
	slices.SortFunc(r.findings, func(a, b *core.Record) int {
		return cmp.Or(a.GetDateTime("created").Compare(b.GetDateTime("created")), cmp.Compare(a.Id, b.Id))
	})
	return r, nil
}

// record draws the record of an inspection with its checklist and its findings.
func (d *doc) record(r *inspectionData) {
	in := r.inspection
	d.title("现场检查记录")
	d.right(10, "编号 "+in.Id)
	d.pdf.Ln(2)
	d.rows([][2]string{
		{"检查对象", r.place.name},
		{"地址", r.place.address},
		{"所属街镇", r.subdistrict},
		{"专项", label(vocab.Programme, in.GetString("programme"))},
		{"检查类型", label(vocab.InspectionKind, in.GetString("kind"))},
		{"检查时间", inBeijing(in, "inspected_at").Format("2006年1月2日 15:04")},
		{"检查人员", r.inspector},
		{"检查结果", label(vocab.InspectionResult, in.GetString("result"))},
		{"审核", label(vocab.ReviewStatus, in.GetString("review"))},
	})
	if items := checklist(in); len(items) > 0 {
		d.para("检查项目：")
		d.rows(items)
	}
	d.para(fmt.Sprintf("发现问题（%d 项）：", len(r.findings)))
	for i, f := range r.findings {
		line := fmt.Sprintf("%d. %s（%s，%s）：%s", i+1, label(vocab.FindingCategory, f.GetString("category")),
			label(vocab.Severity, f.GetString("severity")), label(vocab.FindingStatus, f.GetString("status")), f.GetString("description"))
		if dl := day(f, "deadline"); dl != "" {
			line += "；整改期限 " + dl
		}
		d.para(line)
	}
	if notes := in.GetString("notes"); notes != "" {
		d.para("备注：" + notes)
	}
	d.pdf.Ln(8)
	d.rows([][2]string{{"检查人员签名", ""}, {"被检查单位负责人签名", ""}})
}

// checklist lists the inspection's checklist answers as label and value pairs, in a stable
// order: the phone stores them as a JSON object of item to answer.
func checklist(in *core.Record) [][2]string {
	var items map[string]any
	if err := json.Unmarshal([]byte(in.GetString("checklist")), &items); err != nil || len(items) == 0 {
		return nil
	}
	keys := make([]string, 0, len(items))
	for k := range items {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		v := fmt.Sprint(items[k])
		switch items[k] {
		case true:
			v = "是"
		case false:
			v = "否"
		}
		out = append(out, [2]string{k, v})
	}
	return out
}
