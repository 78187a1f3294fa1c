package cityview

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"github.com/haidian/fieldsync/internal/rectify"
)

// District is one district's server as the city reaches it.
type District struct {
	Name  string // the city's name for it, e.g. "haidian"
	URL   string // its fieldsync, e.g. https://fieldsync.haidian.example.gov.cn
	Token string // the city's token of that district (its FIELDSYNC_CITY_TOKEN)
}

// Counts are rectification figures summed over subdistricts.
type Counts struct {
	Found          int `json:"found"`
	Open           int `json:"open"`
	Overdue        int `json:"overdue"`
	SupervisedOpen int `json:"supervised_open"`
	Closed         int `json:"closed"`
	ClosedOnTime   int `json:"closed_on_time"`
	ClosedLate     int `json:"closed_late"`
}

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Found += o.Found
	c.Open += o.Open
	c.Overdue += o.Overdue
	c.SupervisedOpen += o.SupervisedOpen
	c.Closed += o.Closed
	c.ClosedOnTime += o.ClosedOnTime
	c.ClosedLate += o.ClosedLate
}

// countsOf is one subdistrict's figures as counts.
func countsOf(f rectify.Figures) Counts {
	return Counts{Found: f.Found, Open: f.Open, Overdue: f.Overdue, SupervisedOpen: f.SupervisedOpen,
		Closed: f.Closed, ClosedOnTime: f.ClosedOnTime, ClosedLate: f.ClosedLate}
}

// City is the city's view: each district's totals per programme, as its server answered, and
// their sum.
type City struct {
	Districts map[string]map[string]Counts `json:"districts"` // district → programme → counts
	Total     map[string]Counts            `json:"total"`     // programme → counts
}

// Read asks every district for its figures through its API and sums them. One district that
// does not answer fails the whole reading: a city total missing a district would look like a
// good month.
func Read(ctx context.Context, hc *http.Client, districts []District) (*City, error) {
	city := &City{Districts: map[string]map[string]Counts{}, Total: map[string]Counts{}}
	for _, d := range districts {
		if _, dup := city.Districts[d.Name]; dup {
			return nil, fmt.Errorf("district %q named twice", d.Name)
		}
		figs, err := readDistrict(ctx, hc, d)
		if err != nil {
			return nil, fmt.Errorf("district %s: %w", d.Name, err)
		}
		sums := map[string]Counts{}
		for p, rows := range figs.Programmes {
			var c Counts
			for _, f := range rows {
				c.Add(countsOf(f))
			}
			sums[p] = c
			t := city.Total[p]
			t.Add(c)
			city.Total[p] = t
		}
		city.Districts[d.Name] = sums
	}
	return city, nil
}

func readDistrict(ctx context.Context, hc *http.Client, d District) (*DistrictFigures, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL+FiguresPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.Token)
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("read figures: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		var fe struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(body, &fe)
		return nil, fmt.Errorf("figures: status %d, code %q", res.StatusCode, fe.Code)
	}
	var figs DistrictFigures
	if err := json.Unmarshal(body, &figs); err != nil {
		return nil, fmt.Errorf("decode figures: %w", err)
	}
	return &figs, nil
}
