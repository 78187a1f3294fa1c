package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	stdsync "sync"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/refdata"
	"github.com/haidian/fieldsync/internal/schema"
)

// curveConfig is benchmark 4: the evening burst at several fleet sizes. Every device comes
// online once, at a random moment of the window, and pushes a day's queue (edits, photo
// records among them) then uploads the photos' bytes; all the while every device
// delta-syncs every pullEvery. The real burst spans 30 minutes; window compresses it.
type curveConfig struct {
	points    []int
	edits     int // mutations per device, photo records included
	photos    int
	window    time.Duration
	pullEvery time.Duration
	pushSize  int
	photoW    int
	photoH    int
	// limit, when set, stops a point's burst after this long; what is left unsent is
	// reported, so that a fleet past the knee cannot run for hours.
	limit time.Duration
}

// curvePoint is one fleet size's figures.
type curvePoint struct {
	devices               int
	elapsed               time.Duration
	pulls, pushes, photos dist
	mutations             int
	busy                  int   // uploads answered 503 (no decode slot) and sent again
	pushBusy              int   // pushes answered 503 sync_busy and sent again after Retry-After
	timeouts              int   // requests that ran past the client's timeout
	unsent                int   // mutations not pushed when the --curve-limit stopped the burst
	clientPeak            int64 // fsbench's own peak RSS so far (VmHWM), bytes
	failures              []string
	cores                 float64 // server CPU seconds per second of the run
	cpu                   string
	mem                   memory
	// loadBefore and loadAfter are the machine's load averages (1, 5, 15 min) as the burst
	// starts and ends: on a shared machine they say how much the point's figures understate.
	loadBefore, loadAfter string
}

// parseCurve reads --curve-points.
func parseCurve(s string) ([]int, error) {
	var pts []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--curve-points: %q is not a positive number", f)
		}
		pts = append(pts, n)
	}
	return pts, nil
}

// benchCurve runs every point on a server of its own, on a copy of the dataset so that one
// point's writes do not weigh on the next.
func benchCurve(ctx context.Context, cfg config, bin string, ds *dataset, plan *benchdata.Plan, head int64,
	nonce string, out io.Writer) ([]curvePoint, error) {
	c := cfg.curve
	photo, err := basePhoto(c.photoW, c.photoH)
	if err != nil {
		return nil, err
	}
	maxDevices := 0
	for _, n := range c.points {
		maxDevices = max(maxDevices, n)
	}
	fmt.Fprintf(out, "  per device: %d edits (%d photo records among them), %d photos of %dx%d (%s); window %s, pulls every %s\n"+
		"  the largest point stores about %s of photos\n", c.edits, c.photos, c.photos, c.photoW, c.photoH,
		megabytes(int64(len(photo))), c.window, c.pullEvery, megabytes(photoBytes(maxDevices, c.photos, photo)))
	// The largest point's photos, beside a copy of the dataset, must fit: on a shared disk a
	// full one fails more than the benchmark.
	if need, free := photoBytes(maxDevices, c.photos, photo)+treeSize(ds.dataDir), freeBytes(ds.dir); free >= 0 && need > free*9/10 {
		return nil, fmt.Errorf("the largest point needs about %s in %s, which has %s free: fewer --curve-points, "+
			"--curve-photos or a smaller --curve-photo", megabytes(need), ds.dir, megabytes(free))
	}
	var pts []curvePoint
	for _, n := range c.points {
		if cfg.maxLoad > 0 {
			waitQuiet(ctx, cfg.maxLoad, 15*time.Minute, out)
		}
		pt, err := curveAt(ctx, cfg, bin, ds, plan, head, n, photo, nonce, out)
		if err == nil && ctx.Err() != nil {
			// Stopped (Ctrl-C, --timeout) mid-point: its figures are of a cut run, no result.
			err = context.Cause(ctx)
		}
		if err != nil {
			return pts, fmt.Errorf("%d devices: %w", n, err)
		}
		pts = append(pts, pt)
		fmt.Fprintf(out, "  %d devices in %s: pulls p50 %s p99 %s; pushes p50 %s p99 %s; photos p50 %s p99 %s; "+
			"%.0f mutations/s, %.1f photos/s; server %.2f cores, peak RSS %s (anonymous %s); %d uploads and %d pushes busy, "+
			"%d failed (%d timed out), %d mutations unsent; fsbench peak RSS %s; load %s → %s\n",
			n, pt.elapsed.Round(time.Millisecond), ms(pt.pulls.p50), ms(pt.pulls.p99), ms(pt.pushes.p50), ms(pt.pushes.p99),
			ms(pt.photos.p50), ms(pt.photos.p99), float64(pt.mutations)/pt.elapsed.Seconds(),
			float64(pt.photos.n)/pt.elapsed.Seconds(), pt.cores, megabytes(pt.mem.peak), megabytes(pt.mem.anonPeak), pt.busy, pt.pushBusy,
			len(pt.failures), pt.timeouts, pt.unsent, megabytes(pt.clientPeak), pt.loadBefore, pt.loadAfter)
		for i, f := range pt.failures {
			if i == 3 {
				fmt.Fprintf(out, "    … %d more\n", len(pt.failures)-3)
				break
			}
			fmt.Fprintf(out, "    %s\n", f)
		}
	}
	return pts, nil
}

// curveAt runs one point: a copy of the dataset, a fresh server, n devices.
func curveAt(ctx context.Context, cfg config, bin string, ds *dataset, plan *benchdata.Plan, head int64, n int,
	photo []byte, nonce string, out io.Writer) (curvePoint, error) {
	pt := curvePoint{devices: n}
	copyDir := filepath.Join(ds.dir, fmt.Sprintf("curve-%d", n))
	defer os.RemoveAll(copyDir)
	pointDS := *ds
	pointDS.dataDir = filepath.Join(copyDir, "pb_data")
	if err := copyTree(ds.dataDir, pointDS.dataDir); err != nil {
		return pt, fmt.Errorf("copy the dataset: %w", err)
	}
	spec, err := serverFor(cfg, bin, &pointDS, "4")
	if err != nil {
		return pt, err
	}
	srv, err := startServer(ctx, spec, fmt.Sprintf("curve-%d", n))
	if err != nil {
		return pt, err
	}
	defer srv.stop()
	a := newAPI(srv.url)
	var res devicesResult
	devs, err := registerDevices(ctx, a, n, head, nonce+strconv.Itoa(n), &res)
	if err != nil {
		return pt, err
	}
	pt.loadBefore = loadAverage()
	cpu0 := sampleCPU(srv.cmd.Process.Pid)
	start := time.Now()
	var mu stdsync.Mutex
	var pulls, pushes, photos []time.Duration
	burst, stop := ctx, context.CancelFunc(func() {})
	if cfg.curve.limit > 0 {
		burst, stop = context.WithTimeout(ctx, cfg.curve.limit)
	}
	defer stop()
	var wg stdsync.WaitGroup
	for i, d := range devs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := runBurst(burst, d, i, plan, photo, cfg.curve, cfg.devices.seed)
			mu.Lock()
			defer mu.Unlock()
			pulls, pushes, photos = append(pulls, l.pulls...), append(pushes, l.pushes...), append(photos, l.photos...)
			pt.mutations += l.mutations
			pt.busy += l.busy
			pt.pushBusy += d.busy
			pt.timeouts += l.timeouts
			pt.failures = append(pt.failures, l.failures...)
		}()
	}
	wg.Wait()
	pt.elapsed = time.Since(start)
	pt.unsent = n*cfg.curve.edits - pt.mutations
	if own, err := memoryOf("self"); err == nil {
		pt.clientPeak = own.peak
	}
	pt.loadAfter = loadAverage()
	cpu1 := sampleCPU(srv.cmd.Process.Pid)
	pt.cpu, pt.cores = cpuUse(cpu0, cpu1), (cpu1.server-cpu0.server).Seconds()/pt.elapsed.Seconds()
	pt.pulls, pt.pushes, pt.photos = summarize(pulls), summarize(pushes), summarize(photos)
	if pt.mem, err = srv.memory(); err != nil {
		return pt, err
	}
	return pt, srv.stop()
}

// burstLog is what one device did in the burst.
type burstLog struct {
	pulls, pushes, photos     []time.Duration
	mutations, busy, timeouts int
	failures                  []string
}

// fail records a failed request, unless the burst was stopped (its end is no failure: what
// it left unsent is counted), counting those that ran past the client's timeout.
func (l *burstLog) fail(ctx context.Context, err error, format string, args ...any) {
	if ctx.Err() != nil {
		return
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		l.timeouts++
	}
	l.failures = append(l.failures, fmt.Sprintf(format, args...)+": "+err.Error())
}

// runBurst is one device's evening: it delta-syncs every pullEvery through the window and,
// at a random moment of it, pushes its queue and uploads its photos.
func runBurst(ctx context.Context, d *device, i int, plan *benchdata.Plan, photo []byte, c curveConfig, seed uint64) (l burstLog) {
	defer func() {
		if r := recover(); r != nil {
			l.failures = append(l.failures, fmt.Sprintf("device %d panicked: %v", i, r))
		}
	}()
	rng := rand.New(rand.NewPCG(seed, uint64(i)))
	sdNum, _ := deviceOwner(i)
	sd := refdata.SubdistrictID(sdNum)
	end := time.Now().Add(c.window)
	online := time.Now().Add(time.Duration(rng.Float64() * float64(c.window)))
	pushed := false
	next := time.Now().Add(time.Duration(rng.Float64() * float64(c.pullEvery)))
	for {
		if !pushed && !online.After(next) {
			if !pause(ctx, time.Until(online)) {
				return l
			}
			l.pushQueue(ctx, d, i, plan, sd, sdNum, photo, c)
			pushed = true
			continue
		}
		if next.After(end) && pushed {
			return l
		}
		if !pause(ctx, time.Until(next)) {
			return l
		}
		for {
			t0 := time.Now()
			_, _, more, err := d.pull(ctx, 1000)
			l.pulls = append(l.pulls, time.Since(t0))
			if err != nil {
				l.fail(ctx, err, "device %d pull", i)
				break
			}
			if !more {
				break
			}
		}
		next = next.Add(c.pullEvery)
	}
}

// pushQueue pushes the device's day: photo records and findings, pushSize per push, then
// the photos' bytes one after another, as a phone's outbox does.
func (l *burstLog) pushQueue(ctx context.Context, d *device, i int, plan *benchdata.Plan, sd string, sdNum int,
	photo []byte, c curveConfig) {
	// Each push's records are made as it is sent and each photo's bytes again as it is
	// uploaded, not all of them at once: past the knee most devices are mid-queue together,
	// and 5,000 devices' whole days held at once would be gigabytes in fsbench.
	record := func(e int) (coll string, data map[string]any) {
		if e < c.photos {
			return schema.Photos, map[string]any{"sha256": sha256Hex(uniquePhoto(photo, d.id, e)), "subdistrict": sd}
		}
		return schema.Findings, plan.NewFinding(sdNum, 10_000_000+i*c.edits+e)
	}
	for from := 0; from < c.edits; from += c.pushSize {
		to := min(from+c.pushSize, c.edits)
		var colls, ids []string
		var data []map[string]any
		for e := from; e < to; e++ {
			coll, rec := record(e)
			colls, ids, data = append(colls, coll), append(ids, core.GenerateDefaultRandomId()), append(data, rec)
		}
		t0 := time.Now()
		err := d.pushCreates(ctx, colls, ids, data)
		if ctx.Err() != nil {
			return // stopped by --curve-limit: a cut wait is no figure
		}
		l.pushes = append(l.pushes, time.Since(t0))
		if err != nil {
			l.fail(ctx, err, "device %d push", i)
			return
		}
		l.mutations += to - from
	}
	for p := range c.photos {
		t0 := time.Now()
		busy, err := uploadPhoto(ctx, d, uniquePhoto(photo, d.id, p))
		l.busy += busy
		if err != nil {
			l.fail(ctx, err, "device %d upload", i)
			continue
		}
		l.photos = append(l.photos, time.Since(t0))
	}
}

// uploadPhoto announces b and sends it in one PATCH, sending the last PATCH again while the
// server answers busy, after the wait it tells. It returns how many times it was busy.
func uploadPhoto(ctx context.Context, d *device, b []byte) (int, error) {
	var up struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	_, err := d.api.call(ctx, http.MethodPost, "/api/fs/blobs/uploads", d.token, d.id,
		map[string]any{"sha256": sha256Hex(b), "size": len(b), "mime": "image/jpeg"}, &up)
	if err != nil || up.Status == "stored" {
		return 0, err
	}
	offset, body := 0, b
	for busy := 0; ; busy++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, d.api.base+"/api/fs/blobs/uploads/"+up.ID, bytes.NewReader(body))
		if err != nil {
			return busy, err
		}
		req.Header.Set("Authorization", d.token)
		req.Header.Set("Upload-Offset", strconv.Itoa(offset))
		req.Header.Set("Tus-Resumable", "1.0.0")
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		res, err := d.api.http.Do(req)
		if err != nil {
			return busy, err
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusOK:
			return busy, nil
		case http.StatusServiceUnavailable:
			// The server keeps the bytes: after its Retry-After, plus up to half again as a
			// phone adds, an empty PATCH at the full offset asks again.
			offset, body = len(b), nil
			secs, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			wait := time.Duration(max(secs, 1)) * time.Second
			if !pause(ctx, wait+time.Duration(rand.Float64()*float64(wait)/2)) {
				return busy, ctx.Err()
			}
		default:
			return busy, fmt.Errorf("upload %s: status %d: %s", up.ID, res.StatusCode, truncate(msg, 200))
		}
	}
}

// basePhoto is the benchmark's photo: a w×h JPEG with detail enough to cost a real decode.
func basePhoto(w, h int) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(24))
			img.Set(x, y, color.RGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, uint8((x+y)%256) / 2, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// uniquePhoto is photo with a comment segment naming the device and the photo, so that every
// photo of the burst is other bytes, as every photo a phone takes is.
func uniquePhoto(photo []byte, device string, n int) []byte {
	text := fmt.Sprintf("%s/%d", device, n)
	seg := []byte{0xff, 0xfe, byte((len(text) + 2) >> 8), byte(len(text) + 2)}
	out := append([]byte{}, photo[:2]...) // SOI
	out = append(out, seg...)
	out = append(out, text...)
	return append(out, photo[2:]...)
}

// photoBytes is about what devices×photos photos take once stored, the derived images
// included.
func photoBytes(devices, photos int, photo []byte) int64 {
	return int64(devices*photos) * int64(len(photo)) * 3 / 2
}

// freeBytes is the space left to an unprivileged user on dir's file system, -1 if unknown.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}

// treeSize is the bytes of the regular files under dir (a point copies the data dir).
func treeSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// copyTree copies the regular files under src to dst.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !e.Type().IsRegular() {
			return errors.New("not a regular file: " + path)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		outf, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(outf, in); err != nil {
			outf.Close()
			return err
		}
		return outf.Close()
	})
}
