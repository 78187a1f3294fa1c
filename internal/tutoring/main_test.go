package tutoring_test

import (
	stdsync "sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

// clock is the server's clock in these tests: the real time unless a test pins it (setClock),
// as the daily report's scripted week does to date a licence on its third day.
var clock struct {
	stdsync.Mutex
	pinned time.Time
}

func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	if clock.pinned.IsZero() {
		return time.Now()
	}
	return clock.pinned
}

// setClock pins the clock at t until the test ends.
func setClock(t *testing.T, at time.Time) {
	clock.Lock()
	defer clock.Unlock()
	clock.pinned = at
	t.Cleanup(func() {
		clock.Lock()
		defer clock.Unlock()
		clock.pinned = time.Time{}
	})
}

func TestMain(m *testing.M) {
	testkit.SetBind(func(a core.App) {
		o := app.DefaultOptions()
		o.Now = now
		app.BindWith(a, o)
	})
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

// mustOK fails the test at once when a write was refused.
func mustOK(t *testing.T, o outcome) {
	t.Helper()
	if !o.OK {
		t.Fatal(o)
	}
}
