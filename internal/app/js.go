package app

import (
	"github.com/dop251/goja"
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// BindJS gives the JS hooks in pb_hooks fieldsync's own functions, as `$fieldsync`. Pass it
// as the jsvm plugin's OnInit. A record a hook saves without saying who writes it fails closed
// (internal/access); a hook says so with:
//
//   - `$fieldsync.asSystem(record)`: the server writes on its own account (a notification, a
//     derived flag); field policies do not bind it, and the audit trail shows the system;
//   - `e.app.saveWithContext(e.request.context(), record)` in a request hook or route: the
//     requesting user writes, with exactly their rights.
func BindJS(vm *goja.Runtime) {
	vm.Set("$fieldsync", map[string]any{
		"asSystem": func(r *core.Record) *core.Record {
			access.AsSystem(r)
			return r
		},
	})
}
