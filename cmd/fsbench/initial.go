package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/sync"
)

// transfer is one download of an inspector's records.
type transfer struct {
	time     time.Duration
	cpu      time.Duration // the server's CPU time meanwhile (user + system, in 10 ms ticks)
	bytes    int
	requests int
	records  int
	byColl   map[string]time.Duration // stock paging only: the time of each collection
}

// idSet holds the ids of the records a download got, by collection.
type idSet map[string]map[string]bool

func (s idSet) add(coll, id string) {
	if s[coll] == nil {
		s[coll] = map[string]bool{}
	}
	s[coll][id] = true
}

func (s idSet) count() int {
	n := 0
	for _, ids := range s {
		n += len(ids)
	}
	return n
}

// initialResult is benchmark 1: one inspector's initial sync by pull and by stock listing.
type initialResult struct {
	subdistrict string
	collections int
	pull        transfer            // the median of the repetitions
	pulls       []transfer          // every repetition, for the range
	stock       map[string]transfer // by paging mode, the median of the repetitions
	stocks      map[string][]transfer
	// coded are the pulls asking for a content coding (Accept-Encoding), by coding: the
	// median of the repetitions. Stock paging is never compressed: PocketBase's list
	// endpoint has no compression in this binary.
	coded map[string]transfer
	best  string // the faster stock mode, which the ratio compares with
	// unlisted are the collections the list endpoint failed on (a query timeout), with the
	// error and the records of them the pull got. The stock figures leave them out, which
	// flatters stock.
	unlisted map[string]unlisted
}

// unlisted is a collection stock paging could not list.
type unlisted struct {
	err     error
	took    time.Duration
	records int
}

// The stock paging modes: numbered pages without a total count, and keyset pages that
// filter on the id after the last one seen (no OFFSET to skip).
const (
	stockOffset = "offset"
	stockKeyset = "keyset"
)

var stockModes = []string{stockOffset, stockKeyset}

const stockPerPage = 1000 // PocketBase's maximum page size

// benchInitial downloads everything inspector 1 of subdistrict sd may see, reps times each
// way, after one untimed round that warms the caches and checks both ways get the same
// records.
func benchInitial(ctx context.Context, srv *server, sd, limit, reps int, nonce string, out io.Writer) (*initialResult, error) {
	a := newAPI(srv.url)
	token, err := a.login(ctx, "users", benchdata.InspectorEmail(sd, 1), benchdata.Password)
	if err != nil {
		return nil, err
	}
	d := &device{api: a, token: token, id: "fsbench-" + nonce + "-initial"}
	if _, err := a.register(ctx, token, d.id); err != nil {
		return nil, err
	}
	// The stock client pages through every collection sync carries, from sync's own list.
	colls := sync.SyncedCollections()
	res := &initialResult{subdistrict: refdata.Subdistricts()[sd-1].NameZH, collections: len(colls),
		stock: map[string]transfer{}, unlisted: map[string]unlisted{}, coded: map[string]transfer{}}
	// measured runs f and adds the server's CPU time meanwhile to its transfer.
	measured := func(f func() (transfer, error)) (transfer, error) {
		c0 := sampleCPU(srv.cmd.Process.Pid)
		t, err := f()
		t.cpu = sampleCPU(srv.cmd.Process.Pid).server - c0.server
		return t, err
	}

	pulled, _, err := pullAll(ctx, d, limit)
	if err != nil {
		return nil, err
	}
	for _, mode := range stockModes {
		listed, _, failed, err := listAll(ctx, a, token, colls, mode, res.unlisted)
		if err != nil {
			return nil, err
		}
		for coll, u := range failed {
			u.records = len(pulled[coll])
			res.unlisted[coll] = u
			fmt.Fprintf(out, "  stock %s paging cannot list %s: %v after %s; left out of the stock figures\n",
				mode, coll, u.err, u.took.Round(100*time.Millisecond))
		}
		if err := sameRecords(pulled, listed, res.unlisted); err != nil {
			return nil, fmt.Errorf("pull and stock %s paging differ: %w", mode, err)
		}
	}
	fmt.Fprintf(out, "  both ways get the same %d records of %d collections\n", pulled.count()-res.unlistedRecords(),
		len(colls)-len(res.unlisted))

	var pulls []transfer
	stocks := map[string][]transfer{}
	coded := map[string][]transfer{}
	srv.profile(true)
	defer srv.profile(false)
	for i := range reps {
		// Rotate the order, so neither way always runs on caches the other warmed.
		for j := range 3 {
			switch (i + j) % 3 {
			case 0:
				t, err := measured(func() (transfer, error) {
					_, t, err := pullAll(ctx, d, limit)
					return t, err
				})
				if err != nil {
					return nil, err
				}
				pulls = append(pulls, t)
			default:
				mode := stockModes[(i+j)%3-1]
				var failed map[string]unlisted
				t, err := measured(func() (t transfer, err error) {
					_, t, failed, err = listAll(ctx, a, token, colls, mode, res.unlisted)
					return t, err
				})
				if err == nil && len(failed) > 0 {
					err = fmt.Errorf("stock %s paging failed on %v", mode, failed)
				}
				if err != nil {
					return nil, err
				}
				stocks[mode] = append(stocks[mode], t)
			}
		}
		// The same download asking for each compression, after the uncompressed ones: what a
		// phone's network carries, and what compressing costs the server.
		for _, coding := range codings {
			d.accept = coding
			t, err := measured(func() (transfer, error) {
				_, t, err := pullAll(ctx, d, limit)
				return t, err
			})
			d.accept = ""
			if err == nil && t.records != pulls[i].records {
				err = fmt.Errorf("pull asking for %s got %d records, without %d", coding, t.records, pulls[i].records)
			}
			if err != nil {
				return nil, err
			}
			coded[coding] = append(coded[coding], t)
		}
		fmt.Fprintf(out, "  rep %d: pull %s (server CPU %s, %d bytes), stock offset %s (%s), stock keyset %s (%s, %d bytes); "+
			"pull with zstd %s (%s, %d bytes), gzip %s (%s, %d bytes)\n", i+1,
			ms3(pulls[i].time), ms3(pulls[i].cpu), pulls[i].bytes, ms3(stocks[stockOffset][i].time), ms3(stocks[stockOffset][i].cpu),
			ms3(stocks[stockKeyset][i].time), ms3(stocks[stockKeyset][i].cpu), stocks[stockKeyset][i].bytes,
			ms3(coded["zstd"][i].time), ms3(coded["zstd"][i].cpu), coded["zstd"][i].bytes,
			ms3(coded["gzip"][i].time), ms3(coded["gzip"][i].cpu), coded["gzip"][i].bytes)
	}
	res.pull, res.pulls, res.stocks = medianTransfer(pulls), pulls, stocks
	for _, coding := range codings {
		res.coded[coding] = medianTransfer(coded[coding])
	}
	for _, mode := range stockModes {
		res.stock[mode] = medianTransfer(stocks[mode])
		if res.best == "" || res.stock[mode].time < res.stock[res.best].time {
			res.best = mode
		}
	}
	fmt.Fprintf(out, "  stock %s paging, slowest collections: %s\n", res.best, slowest(res.stock[res.best].byColl, 4))
	return res, nil
}

// codings are the content codings benchmark 1 asks pulls for besides none.
var codings = []string{"zstd", "gzip"}

func ms3(d time.Duration) string { return d.Round(time.Millisecond).String() }

// timeRange is the fastest and the slowest of ts.
func timeRange(ts []transfer, of func(transfer) time.Duration) (time.Duration, time.Duration) {
	lo, hi := of(ts[0]), of(ts[0])
	for _, t := range ts[1:] {
		lo, hi = min(lo, of(t)), max(hi, of(t))
	}
	return lo, hi
}

// medianOf is the median of one figure of ts.
func medianOf(ts []transfer, of func(transfer) time.Duration) time.Duration {
	v := make([]time.Duration, len(ts))
	for i, t := range ts {
		v[i] = of(t)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func (r *initialResult) unlistedRecords() int {
	n := 0
	for _, u := range r.unlisted {
		n += u.records
	}
	return n
}

// pullAll downloads every scope of d from the start, limit rows per pull, until no scope
// has more.
func pullAll(ctx context.Context, d *device, limit int) (idSet, transfer, error) {
	ids := idSet{}
	var t transfer
	d.cursors = map[sync.Scope]sync.ScopeRequest{}
	start := time.Now()
	for {
		res, n, more, err := d.pull(ctx, limit)
		if err != nil {
			return nil, t, err
		}
		t.bytes += n
		t.requests++
		for _, sr := range res.Scopes {
			for _, c := range sr.Changes {
				if c.Op == "put" {
					ids.add(c.Coll, c.ID)
				}
			}
		}
		if !more {
			break
		}
	}
	t.time = time.Since(start)
	t.records = ids.count()
	return ids, t, nil
}

// listPage is a page of PocketBase's list endpoint, with only the ids decoded.
type listPage struct {
	Items []struct {
		ID string `json:"id"`
	} `json:"items"`
}

// listAll pages through every collection but those in skip with PocketBase's list endpoint,
// one collection after another as the pull goes scope after scope, at the largest page size
// and without the total count (skipTotal), which would cost a COUNT query per page.
//
// A collection whose list answers 400 is returned in failed and left out of the figures:
// PocketBase answers 400 when the list query fails, as when the rule's query runs past the
// query timeout. Any other error ends the download.
func listAll(ctx context.Context, a *api, token string, colls []string, mode string,
	skip map[string]unlisted) (idSet, transfer, map[string]unlisted, error) {
	ids := idSet{}
	failed := map[string]unlisted{}
	t := transfer{byColl: map[string]time.Duration{}}
	for _, coll := range colls {
		if _, ok := skip[coll]; ok {
			continue
		}
		start := time.Now()
		ct, err := listColl(ctx, a, token, coll, mode, ids)
		if err != nil {
			var he *httpError
			if !errors.As(err, &he) || he.status != http.StatusBadRequest {
				return nil, t, nil, err
			}
			delete(ids, coll)
			failed[coll] = unlisted{err: err, took: time.Since(start)}
			continue
		}
		t.byColl[coll] = time.Since(start)
		t.time += t.byColl[coll]
		t.bytes += ct.bytes
		t.requests += ct.requests
	}
	t.records = ids.count()
	return ids, t, failed, nil
}

// listColl pages through one collection, adding the ids it gets to ids.
func listColl(ctx context.Context, a *api, token, coll, mode string, ids idSet) (transfer, error) {
	var t transfer
	last := ""
	for page := 1; ; page++ {
		q := url.Values{"perPage": {fmt.Sprint(stockPerPage)}, "skipTotal": {"1"}}
		if mode == stockOffset {
			q.Set("page", fmt.Sprint(page))
		} else {
			q.Set("sort", "id")
			if last != "" {
				q.Set("filter", fmt.Sprintf("id>%q", last))
			}
		}
		var p listPage
		n, err := a.call(ctx, http.MethodGet, "/api/collections/"+coll+"/records?"+q.Encode(), token, "", nil, &p)
		if err != nil {
			return t, err
		}
		t.bytes += n
		t.requests++
		for _, it := range p.Items {
			ids.add(coll, it.ID)
		}
		if len(p.Items) < stockPerPage {
			return t, nil
		}
		last = p.Items[len(p.Items)-1].ID
	}
}

// sameRecords reports how two downloads differ, if they do, leaving out the collections of
// skip.
func sameRecords(a, b idSet, skip map[string]unlisted) error {
	for _, coll := range unionKeys(a, b) {
		if _, ok := skip[coll]; ok {
			continue
		}
		if len(a[coll]) != len(b[coll]) {
			return fmt.Errorf("%s: %d records against %d", coll, len(a[coll]), len(b[coll]))
		}
		for id := range a[coll] {
			if !b[coll][id] {
				return fmt.Errorf("%s: %s only in one", coll, id)
			}
		}
	}
	return nil
}

func unionKeys(a, b idSet) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// slowest names the n collections that took longest, with their times.
func slowest(byColl map[string]time.Duration, n int) string {
	colls := slices.SortedFunc(maps.Keys(byColl), func(a, b string) int { return int(byColl[b] - byColl[a]) })
	parts := make([]string, 0, n)
	for _, c := range colls[:min(n, len(colls))] {
		parts = append(parts, fmt.Sprintf("%s %s", c, byColl[c].Round(time.Millisecond)))
	}
	return strings.Join(parts, ", ")
}

func medianTransfer(ts []transfer) transfer {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(x, y transfer) int { return int(x.time - y.time) })
	return s[len(s)/2]
}
