// Package benchdata generates the dataset fieldsync's benchmarks run on: staff accounts and
// records of the four programmes (places of every kind, households, centres and their
// classes, sites, photos, inspections, findings, referrals, enforcement actions, smoke-alarm
// quotas and installs, bare-land entries, dust-fall readings, public reports) spread evenly
// over Haidian's 29 subdistricts.
//
// Every record is saved through the app with its hooks bound, attributed to the system as
// the demo data is, so the audit trail and the sync change log hold exactly what production
// writes leave behind. Records are saved in transactions of a few hundred: a transaction is
// one sync sequence number, and a pull page never splits one, so one giant transaction would
// make a dataset no real server ever holds.
//
// Ids are deterministic (a 4-letter prefix and a number), so a benchmark can name records of
// a subdistrict without looking them up.
package benchdata

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/access"
)

// Subdistricts is how many subdistricts the records are spread over: all of Haidian's.
const Subdistricts = 29

// Options sets the size of the dataset and how it is written.
type Options struct {
	// Records is the approximate number of business records; the accounts, quotas and
	// dust-fall readings come on top.
	Records int
	// TxSize is the number of records saved per transaction.
	TxSize int
	// Progress, when set, is called after every transaction with the records saved so far
	// and the total planned.
	Progress func(done, total int)
	// Now is the server's present (default time.Now()). The records tell of 2018, but the
	// deadlines of cases still open lie after Now: the server's escalation job would
	// otherwise find tens of thousands of overdue cases and spend the benchmark escalating
	// them, a backlog a running server clears as it arises.
	Now time.Time
}

// Stats describes a generated dataset.
type Stats struct {
	Records      int            // records saved, accounts included
	ByColl       map[string]int // records saved per collection
	Transactions int
	Elapsed      time.Duration
	// TimeByColl shares out the time of the transactions among the collections they saved
	// records of, by count.
	TimeByColl map[string]time.Duration
}

// Rate returns the records saved per second.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Records) / s.Elapsed.Seconds()
}

// Generate writes a dataset of about opts.Records records into app, which must be migrated
// and have fieldsync's hooks bound.
func Generate(app core.App, opts Options) (Stats, error) {
	if opts.Records < 1000 {
		return Stats{}, fmt.Errorf("benchdata: at least 1000 records, got %d", opts.Records)
	}
	if opts.TxSize <= 0 {
		opts.TxSize = 500
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	plan := NewPlan(opts.Records)
	plan.now = opts.Now
	g := &generator{app: app, opts: opts, plan: plan,
		stats: Stats{ByColl: map[string]int{}, TimeByColl: map[string]time.Duration{}}}
	start := time.Now()
	if err := g.accounts(); err != nil {
		return g.stats, fmt.Errorf("accounts: %w", err)
	}
	for _, grp := range g.plan.groups {
		if err := g.group(grp); err != nil {
			return g.stats, fmt.Errorf("%s: %w", grp.coll, err)
		}
	}
	if err := g.flush(); err != nil {
		return g.stats, err
	}
	g.stats.Elapsed = time.Since(start)
	return g.stats, nil
}

// generator saves records in transactions of opts.TxSize.
type generator struct {
	app     core.App
	opts    Options
	plan    *Plan
	pending []*core.Record
	stats   Stats
}

var system = access.Attribution{Actor: access.System, Door: access.DoorSystem}

// group builds and saves every record of grp, subdistricts interleaved as field work arrives.
func (g *generator) group(grp group) error {
	coll, err := g.app.FindCachedCollectionByNameOrId(grp.coll)
	if err != nil {
		return fmt.Errorf("collection: %w", err)
	}
	n := g.plan.per[grp.prefix]
	for k := range n {
		for sd := 1; sd <= Subdistricts; sd++ {
			r := core.NewRecord(coll)
			r.Id = g.plan.id(grp.prefix, sd, k)
			r.Load(grp.make(g.plan, sd, k))
			if err := g.add(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// add queues r and saves the queue once it holds a transaction's worth.
func (g *generator) add(r *core.Record) error {
	g.pending = append(g.pending, r)
	if len(g.pending) >= g.opts.TxSize {
		return g.flush()
	}
	return nil
}

// saveNow saves r in a transaction of its own, for a record whose stored state the generator
// reads back.
func (g *generator) saveNow(r *core.Record) error {
	if err := g.flush(); err != nil {
		return err
	}
	g.pending = append(g.pending, r)
	return g.flush()
}

func (g *generator) flush() error {
	if len(g.pending) == 0 {
		return nil
	}
	start := time.Now()
	err := g.app.RunInTransaction(func(tx core.App) error {
		for _, r := range g.pending {
			access.Attribute(r, system)
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("save %s %s: %w", r.Collection().Name, r.Id, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	share := time.Since(start) / time.Duration(len(g.pending))
	for _, r := range g.pending {
		g.stats.ByColl[r.Collection().Name]++
		g.stats.TimeByColl[r.Collection().Name] += share
	}
	g.stats.Records += len(g.pending)
	g.stats.Transactions++
	g.pending = g.pending[:0]
	if g.opts.Progress != nil {
		g.opts.Progress(g.stats.Records, g.plan.total)
	}
	return nil
}
