package inspectorapp_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/testkit"
)

// TestApp_LanguageSwitchKeepsWhatWasTyped: switching the language while a form is being filled
// in keeps what the inspector typed (a redraw would build the form empty); the switch shows at
// once in the app's chrome, and in the form once it is opened again.
func TestApp_LanguageSwitchKeepsWhatWasTyped(t *testing.T) {
	s := testkit.Serve(t, testkit.NewApp(t))
	ctx, _ := phone(t, t.TempDir())
	signIn(t, ctx, s.URL, "inspectora@fieldsync.test")

	const typed = "二楼配电箱门损坏，电线外露"
	newFinding := "#/finding/new?place=" + testkit.Side("venue", "a")
	goTo(t, ctx, newFinding)
	waitScreen(t, ctx, "finding-new")
	step(t, ctx, chromedp.SendKeys(`#description`, typed))
	label := func() string {
		return value(t, ctx, chromedp.Evaluate[string](`document.querySelector("#description").closest("label").textContent`))
	}
	if l := label(); !strings.Contains(l, "隐患描述") {
		t.Fatalf("the description's label reads %q before the switch", l)
	}

	tap(t, ctx, "#lang")
	value(t, ctx, chromedp.Poll[bool](`document.getElementById("lang").textContent === "中文"`))
	if got := value(t, ctx, chromedp.Value(`#description`)); got != typed {
		t.Fatalf("after the language switch the description holds %q, not what was typed", got)
	}
	if l := label(); !strings.Contains(l, "隐患描述") {
		t.Fatalf("the form being filled in was redrawn: its label reads %q", l)
	}

	goTo(t, ctx, "#/")
	waitScreen(t, ctx, "home")
	goTo(t, ctx, newFinding)
	waitScreen(t, ctx, "finding-new")
	if l := label(); !strings.Contains(l, "Description") {
		t.Fatalf("the form opened again after the switch reads %q, not English", l)
	}
}
