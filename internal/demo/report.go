package demo

import (
	"fmt"
	"strings"
)

// tally counts, per collection in load order, the records created and those already present.
type tally struct {
	order   []string
	created map[string]int
	present map[string]int
}

func newTally() *tally {
	return &tally{created: map[string]int{}, present: map[string]int{}}
}

func (t *tally) add(coll string, created bool) {
	if t.created[coll]+t.present[coll] == 0 {
		t.order = append(t.order, coll)
	}
	if created {
		t.created[coll]++
	} else {
		t.present[coll]++
	}
}

// report lists the demo accounts and the counts. Its last line is "Total: created N, already
// present M", which scripts and tests read.
func (t *tally) report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fieldsync demo data\n\nAccounts (password for all: %s)\n", Password)
	for _, a := range Accounts {
		fmt.Fprintf(&b, "  %-40s %s\n", a.Email, a.Description)
	}
	fmt.Fprintf(&b, "\n%-26s %8s %8s\n", "Records", "created", "present")
	total, present := 0, 0
	for _, c := range t.order {
		fmt.Fprintf(&b, "  %-24s %8d %8d\n", c, t.created[c], t.present[c])
		total += t.created[c]
		present += t.present[c]
	}
	fmt.Fprintf(&b, "\nTotal: created %d, already present %d\n", total, present)
	return b.String()
}
