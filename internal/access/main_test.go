package access_test

import (
	"testing"

	"github.com/haidian/fieldsync/internal/app"
	"github.com/haidian/fieldsync/internal/testkit"
)

// The tests run against the whole app, as every door sees it.
func TestMain(m *testing.M) {
	testkit.SetBind(app.Bind)
	testkit.Main(m)
}
