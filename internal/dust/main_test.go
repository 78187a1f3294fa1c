package dust_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}

// Short names for the harness's doors and helpers.
type (
	door     = testkit.Door
	outcome  = testkit.Outcome
	restDoor = testkit.RESTDoor
	syncDoor = testkit.SyncDoor
)

var (
	doors   = testkit.Doors
	newREST = testkit.NewREST
	newSync = testkit.NewSync
	save    = testkit.Save
	rid     = testkit.RID
)
