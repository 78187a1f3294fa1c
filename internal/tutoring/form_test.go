package tutoring_test

import (
	"fmt"
	"testing"

	"github.com/haidian/fieldsync/internal/schema"
	"github.com/haidian/fieldsync/internal/testkit"
	"github.com/haidian/fieldsync/internal/tutoring"
)

// TestForm_OtherAndSubjectMode enforces the registration form (gazette lines 4850-4859): "其他
// (请注明: _____)" beside 举办者属性 (4850) and 培训类别 (4855) needs the text; the centre's 培训形式
// (4858) and that of its academic-subject training (4859) are two answers, the second only for
// a centre with academic subjects ("无此类培训的不需填写"). At both doors.
func TestForm_OtherAndSubjectMode(t *testing.T) {
	app := testkit.NewApp(t)
	srv := testkit.Serve(t, app)
	sdA := testkit.SubdistrictA
	for i, d := range doors(t, srv, testkit.InspectorA) {
		n := 0
		centre := func(set map[string]any) (string, map[string]any) {
			n++
			place := rid(fmt.Sprintf("frmp%d", i), n)
			save(t, app, schema.Places, place, map[string]any{"kind": "tutoring_centre", "name": "表单机构 " + place,
				"subdistrict": sdA, "address": "学院路 " + place})
			body := map[string]any{"place": place, "subdistrict": sdA}
			for k, v := range set {
				body[k] = v
			}
			return rid(fmt.Sprintf("frmc%d", i), n), body
		}
		for _, c := range []struct {
			name        string
			set         map[string]any
			field, code string
		}{
			{"sponsor other, unsaid", map[string]any{"sponsor_type": "other"}, "sponsor_type_other", tutoring.CodeOtherUnspecified},
			{"category other, blank", map[string]any{"categories": []string{"art", "other"}, "categories_other": "  "},
				"categories_other", tutoring.CodeOtherUnspecified},
			{"subject mode without subjects", map[string]any{"categories": []string{"art"}, "subject_mode": "online"},
				"subject_mode", tutoring.CodeSubjectModeNoSubject},
		} {
			id, body := centre(c.set)
			if o := d.Create(schema.Centres, id, body); o.OK || o.Fields[c.field] != c.code {
				t.Errorf("%s %s: want %s on %s, got %s", d.Name(), c.name, c.code, c.field, o)
			}
		}
		id, body := centre(map[string]any{"sponsor_type": "other", "sponsor_type_other": "街道文化站",
			"categories": []string{"subject", "other"}, "categories_other": "书法", "mode": "both", "subject_mode": "offline"})
		mustOK(t, d.Create(schema.Centres, id, body))
		r, err := app.FindRecordById(schema.Centres, id)
		if err != nil || r.GetString("mode") != "both" || r.GetString("subject_mode") != "offline" ||
			r.GetString("sponsor_type_other") != "街道文化站" || r.GetString("categories_other") != "书法" {
			t.Errorf("%s: stored %v (%v)", d.Name(), r, err)
		}
		// Dropping academic subjects while their mode stands is refused too.
		if o := d.Patch(schema.Centres, id, map[string]any{"categories": []string{"other"}}); o.OK || o.Fields["subject_mode"] != tutoring.CodeSubjectModeNoSubject {
			t.Errorf("%s: dropping subjects with a subject mode: got %s", d.Name(), o)
		}
	}
}
