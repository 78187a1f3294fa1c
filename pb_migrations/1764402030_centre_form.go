package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	s "github.com/haidian/fieldsync/internal/schema"
	v "github.com/haidian/fieldsync/internal/vocab"
)

// The registration form's gaps (issue 20 point 9; gazette lines 4850-4859, internal/tutoring
// holds the rules):
//
//   - "其他 <input type="checkbox"/> (请注明: _____)" beside 举办者属性 (4850) and 培训类别 (4855): the
//     free text the form asks for when "other" is ticked (the registering department's
//     "其他部门 (_____)", 4852, is the free text registering_authority already);
//   - the two 培训形式 of the form, kept apart: the centre's (4858, mode) and that of its academic
//     subject training (4859, subject_mode; "无此类培训的不需填写").
func centreFormFields() []core.Field {
	return []core.Field{
		text("sponsor_type_other", false, maxName),
		text("categories_other", false, maxName),
		sel("subject_mode", v.TeachingMode, false),
	}
}

func init() {
	m.Register(func(app core.App) error {
		return addFields(app, map[string][]core.Field{s.Centres: centreFormFields()})
	}, func(app core.App) error {
		return removeFields(app, map[string][]core.Field{s.Centres: centreFormFields()})
	})
}
