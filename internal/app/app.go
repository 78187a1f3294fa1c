// Package app wires fieldsync's modules into a PocketBase app. It is the only place that knows
// every module; nothing imports it but the commands.
package app

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
	"github.com/haidian/fieldsync/internal/audit"
	"github.com/haidian/fieldsync/internal/vocab"

	// The schema, as Go migrations applied on start.
	_ "github.com/haidian/fieldsync/pb_migrations"
)

// Bind registers every module's hooks and routes on app.
func Bind(app core.App) {
	access.Register(app)
	audit.Register(app)
	vocab.Register(app)
}
