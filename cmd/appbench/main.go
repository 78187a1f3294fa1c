// Command appbench measures 巡查通 (the inspectors' app at /app/) on a phone-sized headless
// Chromium: the time from opening the app to an interactive home screen with no network, and
// the page's memory then, with an inspector's subdistrict of a generated dataset in the store.
//
// It serves the dataset of cmd/fsbench with the real fieldsync binary, signs in as the first
// inspector of 万寿路街道 (subdistrict 1) and lets the app download the subdistrict, then stops
// the server and opens the app again and again with the network cut:
//
//	go run ./cmd/fsbench --dir /tmp/fsb --keep --only 1 --reps 1   # the dataset, once
//	go run ./cmd/appbench --dir /tmp/fsb                           # the figures
//
// The figures are printed, not checked: speed on a shared machine is no test assertion.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/performance"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/haidian/fieldsync/internal/benchdata"
	"github.com/haidian/fieldsync/internal/testkit/browsertest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "appbench:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", "", "an fsbench dir holding pb_data (go run ./cmd/fsbench --dir DIR --keep --only 1 --reps 1)")
	runs := flag.Int("runs", 7, "timed openings of the app (the median is reported)")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Debian's chromium")
	flag.Parse()
	if *dir == "" {
		return errors.New("--dir is required")
	}
	work, err := os.MkdirTemp("", "appbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	// A copy of the data dir: the server writes (sync clients, the change log) and the
	// dataset stays as fsbench left it.
	data := filepath.Join(work, "pb_data")
	if out, err := exec.Command("cp", "-a", filepath.Join(*dir, "pb_data"), data).CombinedOutput(); err != nil {
		return fmt.Errorf("copy the data dir: %v: %s", err, out)
	}
	bin := filepath.Join(work, "fieldsync")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/fieldsync").CombinedOutput(); err != nil {
		return fmt.Errorf("build fieldsync: %v: %s", err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	server := exec.Command(bin, "serve", "--dir", data, "--http", addr)
	server.Stdout, server.Stderr = os.Stderr, os.Stderr
	if err := server.Start(); err != nil {
		return err
	}
	stopServer := func() { _ = server.Process.Kill(); _, _ = server.Process.Wait() }
	defer stopServer()
	base := "http://" + addr
	if err := waitHealthy(base); err != nil {
		return err
	}

	profile := filepath.Join(work, "profile")
	ctx, stop := browser(*chromium, profile)
	defer stop()
	start := time.Now()
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/app/"),
		chromedp.WaitVisible(`#signin`),
		chromedp.SendKeys(`#email`, benchdata.InspectorEmail(1, 1)),
		chromedp.SendKeys(`#password`, benchdata.Password),
		chromedp.Click(`#signin button[type=submit]`),
		chromedp.WaitVisible(`#view[data-screen="home"]`),
		chromedp.WaitVisible(`#shell-state[data-installed="true"]`),
	)
	if err != nil {
		return fmt.Errorf("sign in and first sync: %w", err)
	}
	records, err := chromedp.Run(ctx, chromedp.Evaluate[int](storedRecords, chromedp.EvalAsValue, awaitPromise))
	if err != nil {
		return err
	}
	fmt.Printf("first sign-in and download: %.1f s, %d records in the phone's store\n", time.Since(start).Seconds(), records)
	// The server keeps running: DevTools' offline switch cuts the page from it. (With the
	// server process killed the app once stayed at 正在打开…: the worker's cache lookups
	// honoured the server's "Vary: Origin" and missed every module import; sw.js now ignores
	// Vary and TestApp_OpensWithTheServerGone opens the app with the server's listener closed.)
	stop()

	var opens []float64
	var heaps []float64
	for i := 0; i < *runs; i++ {
		ctx, stop := browser(*chromium, profile)
		ms, heap, err := openOffline(ctx, base)
		stop()
		if err != nil {
			return fmt.Errorf("opening %d: %w", i+1, err)
		}
		fmt.Printf("open %d: home interactive after %.0f ms, JS heap %.1f MB\n", i+1, ms, heap/1e6)
		opens = append(opens, ms)
		heaps = append(heaps, heap)
	}
	slices.Sort(opens)
	slices.Sort(heaps)
	fmt.Printf("median of %d offline openings: %.0f ms to an interactive home screen (min %.0f, max %.0f); JS heap %.1f MB (max %.1f)\n",
		len(opens), opens[len(opens)/2], opens[0], opens[len(opens)-1], heaps[len(heaps)/2]/1e6, heaps[len(heaps)-1]/1e6)
	return nil
}

// openOffline opens the app in a started browser with the network cut and returns the time
// from the navigation's start to the home screen drawn and ready (the app's "xcz-home"
// performance mark) and the page's JS heap then.
func openOffline(ctx context.Context, base string) (float64, float64, error) {
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile)); err != nil {
		return 0, 0, err
	}
	if _, err := chromedp.Call(ctx, performance.Enable, performance.EnableParams{}); err != nil {
		return 0, 0, err
	}
	if err := browsertest.SetOffline(ctx, true); err != nil {
		return 0, 0, err
	}
	wait, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(wait, chromedp.Navigate(base+"/app/"), chromedp.WaitVisible(`body[data-ready="true"] #view[data-screen="home"]`)); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.outerHTML + "\n" + performance.getEntriesByType("resource").map((e) => e.name + " " + Math.round(e.duration) + "ms " + e.responseStatus).join("\n") + "\nsw: " + String(navigator.serviceWorker.controller?.state)`))
		return 0, 0, fmt.Errorf("%w; the page: %.4000s", err, html)
	}
	ms, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByName("xcz-home")[0]?.startTime ?? -1`))
	if err != nil || ms < 0 {
		return 0, 0, fmt.Errorf("no xcz-home mark: %v", err)
	}
	metrics, err := chromedp.Call(ctx, performance.GetMetrics, cdp.Empty{})
	if err != nil {
		return 0, 0, err
	}
	heap := 0.0
	for _, m := range metrics.Metrics {
		if m.Name == "JSHeapUsedSize" {
			heap = m.Value
		}
	}
	return ms, heap, nil
}

// storedRecords counts the records in the app's IndexedDB store (the SDK's "blocks", each
// holding many records by id).
const storedRecords = `new Promise((resolve, reject) => {
  const open = indexedDB.open("xcz");
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const req = open.result.transaction("blocks").objectStore("blocks").getAll();
    req.onsuccess = () => { resolve(req.result.reduce((n, b) => n + Object.keys(b.r).length, 0)); open.result.close(); };
    req.onerror = () => reject(req.error);
  };
})`

func awaitPromise(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }

func browser(chromium, profile string) (context.Context, func()) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(profile), chromedp.NoSandbox,
		chromedp.Flag("disable-component-update", true), chromedp.WindowSize(390, 844))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, 10*time.Minute)
	return ctx, func() { cancelC(); cancelB(); cancelA() }
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the server did not come up")
}
