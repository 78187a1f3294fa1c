// Command imgbench measures the photo pipeline (internal/blobs) on a 12-megapixel phone JPEG:
// milliseconds per photo and peak resident memory, side by side in one run with
// vipsthumbnail (Debian's libvips-tools) making the same 1600 px preview, and with the
// straightforward image/jpeg + imaging pipeline the blobs package replaced.
//
//	go run ./cmd/imgbench                  # a generated 4000x3000 JPEG, 10 photos, 3 rounds
//	go run ./cmd/imgbench -in photo.jpg -n 20 -rounds 5
//
// Each contender runs in a child process of its own (this binary for the Go pipelines,
// vipsthumbnail for libvips), N photos one after another, so peak RSS (the child's VmHWM, from
// wait4) is one photo's worth plus each program's runtime (the parent stays small, since
// a child starts with its parent's high-water mark), and nothing one measures stays in
// another's memory. Rounds alternate the contenders so that load from other processes on the
// machine falls on all of them alike; the figures are the medians over rounds. CPU time
// (user + system) is printed beside wall time: on a busy machine it moves less.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		in     = flag.String("in", "", "the JPEG to process (default: a generated 12-megapixel photo)")
		n      = flag.Int("n", 10, "photos per contender per round")
		rounds = flag.Int("rounds", 3, "rounds; the contenders alternate within each")
		child  = flag.String("child", "", "internal: run one contender (blobs or naive) in this process")
		gen    = flag.String("generate", "", "internal: write the generated photo to this file")
		prof   = flag.String("cpuprofile", "", "with -child: write a CPU profile of the child here")
	)
	flag.Parse()
	if *gen != "" {
		if err := os.WriteFile(*gen, phoneJPEG(4000, 3000), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "imgbench:", err)
			os.Exit(1)
		}
		return
	}
	if *child != "" {
		if *prof != "" {
			f, err := os.Create(*prof)
			if err == nil && pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
		if err := runChild(*child, *in, *n); err != nil {
			fmt.Fprintln(os.Stderr, "imgbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*in, *n, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "imgbench:", err)
		os.Exit(1)
	}
}

// contender is one way of making the preview.
type contender struct {
	name string
	cmd  func(dir string, files []string) *exec.Cmd
}

// sample is one round of one contender.
type sample struct {
	wall, cpu time.Duration
	rssKB     int64
	stages    stages
}

func run(in string, n, rounds int) error {
	dir, err := os.MkdirTemp("", "imgbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if in == "" {
		// In a child: Linux gives an exec'd child the high-water RSS of the process it was
		// forked from (exec_mmap keeps the old mm's maxrss, and Go forks with CLONE_VM), so
		// this process must never hold the 48 MB picture, or every child's peak would be
		// reported as at least that.
		in = filepath.Join(dir, "phone.jpg")
		if out, err := exec.Command(self, "-generate", in).CombinedOutput(); err != nil {
			return fmt.Errorf("generate: %w: %s", err, out)
		}
	}
	cfg, info, err := describe(in)
	if err != nil {
		return err
	}
	// libvips caches by file name: each photo is a copy of its own.
	files := make([]string, n)
	data, _ := os.ReadFile(in)
	for i := range files {
		files[i] = filepath.Join(dir, fmt.Sprintf("p%03d.jpg", i))
		if err := os.WriteFile(files[i], data, 0o644); err != nil {
			return err
		}
	}
	contenders := []contender{
		{"blobs pipeline (preview + thumb)", func(_ string, _ []string) *exec.Cmd {
			return exec.Command(self, "-child", "blobs", "-in", in, "-n", fmt.Sprint(n))
		}},
		{"naive imaging (preview + thumb)", func(_ string, _ []string) *exec.Cmd {
			return exec.Command(self, "-child", "naive", "-in", in, "-n", fmt.Sprint(n))
		}},
	}
	vips, vipsErr := exec.LookPath("vipsthumbnail")
	if vipsErr == nil {
		contenders = append(contenders, contender{"vipsthumbnail (preview)", func(dir string, files []string) *exec.Cmd {
			args := append([]string{"-s", "1600", "-o", filepath.Join(dir, "v-%s.jpg[Q=82,strip]")}, files...)
			return exec.Command(vips, args...)
		}})
	}
	fmt.Printf("machine: %s, %d cores, Go %s, load average %s\n", cpuModel(), runtime.NumCPU(), runtime.Version(), loadavg())
	fmt.Printf("input:   %s, %dx%d %s, %.1f MB; %d photos per contender, %d rounds\n",
		filepath.Base(in), cfg.Width, cfg.Height, info, float64(len(data))/1e6, n, rounds)
	results := make([][]sample, len(contenders))
	for r := range rounds {
		for i, c := range contenders {
			s, err := measure(c.cmd(dir, files), n)
			if err != nil {
				return fmt.Errorf("%s, round %d: %w", c.name, r+1, err)
			}
			results[i] = append(results[i], s)
		}
	}
	report(contenders, results, vipsErr == nil)
	if vipsErr != nil {
		fmt.Println("\nvipsthumbnail not found: install Debian's libvips-tools (apt-get install libvips-tools) to compare with libvips.")
	}
	fmt.Printf("load average after: %s\n", loadavg())
	return nil
}

// measure runs cmd and returns its wall and CPU time per photo and its peak RSS.
func measure(cmd *exec.Cmd, n int) (sample, error) {
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return sample{}, errors.New("no rusage")
	}
	s := sample{
		wall:  wall / time.Duration(n),
		cpu:   time.Duration(ru.Utime.Nano()+ru.Stime.Nano()) / time.Duration(n),
		rssKB: ru.Maxrss,
	}
	json.Unmarshal(out.Bytes(), &s.stages) // children of ours report their stages
	return s, nil
}

func report(contenders []contender, results [][]sample, withVips bool) {
	fmt.Printf("\n%-34s %12s %12s %12s\n", "contender", "ms/photo", "CPU ms/photo", "peak RSS MB")
	medians := make([]sample, len(contenders))
	for i, c := range contenders {
		m := median(results[i])
		medians[i] = m
		fmt.Printf("%-34s %12.0f %12.0f %12.1f\n", c.name, ms(m.wall), ms(m.cpu), float64(m.rssKB)/1024)
	}
	for i, c := range contenders[:2] {
		st := medians[i].stages
		fmt.Printf("  %s stages (ms/photo, in-process): decode %.0f, resize %.0f, encode %.0f\n",
			strings.Fields(c.name)[0], st.Decode, st.Resize, st.Encode)
	}
	if withVips {
		v := medians[len(medians)-1]
		fmt.Printf("\nblobs / vipsthumbnail: %.2fx wall, %.2fx CPU; naive / vipsthumbnail: %.2fx wall, %.2fx CPU\n",
			ratio(medians[0].wall, v.wall), ratio(medians[0].cpu, v.cpu), ratio(medians[1].wall, v.wall), ratio(medians[1].cpu, v.cpu))
	}
}

func median(s []sample) sample {
	pick := func(get func(sample) float64) sample {
		c := slices.Clone(s)
		slices.SortFunc(c, func(a, b sample) int {
			switch x, y := get(a), get(b); {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		})
		return c[len(c)/2]
	}
	out := pick(func(x sample) float64 { return float64(x.wall) })
	out.cpu = pick(func(x sample) float64 { return float64(x.cpu) }).cpu
	out.rssKB = pick(func(x sample) float64 { return float64(x.rssKB) }).rssKB
	return out
}

func ms(d time.Duration) float64       { return float64(d) / float64(time.Millisecond) }
func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
func describe(in string) (image.Config, string, error) {
	data, err := os.ReadFile(in)
	if err != nil {
		return image.Config{}, "", err
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return cfg, "", fmt.Errorf("%s: %w", in, err)
	}
	return cfg, "JPEG", nil
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(l, "model name"); ok {
			return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
		}
	}
	return runtime.GOARCH
}
