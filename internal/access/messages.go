package access

import (
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/haidian/fieldsync/internal/fault"
)

// bindBilingualValidation gives every field error of a record's validation a Chinese message
// beside PocketBase's English one, whatever the door (REST, batch, admin UI, sync push, server
// code): phones show the message, and inspectors read Chinese. It runs outermost, so it also
// sees the errors of fieldsync's own validate hooks (already bilingual, kept as they are).
func bindBilingualValidation(app core.App) {
	app.OnRecordValidate().Bind(&hook.Handler[*core.RecordEvent]{
		Func: func(e *core.RecordEvent) error {
			err := e.Next()
			if errs, ok := err.(validation.Errors); ok {
				return fault.Bilingual(errs)
			}
			return err
		},
		Priority: -1000,
	})
}
