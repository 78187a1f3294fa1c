package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cpuSample is the CPU time used so far by the server, by fsbench itself (the simulated
// clients) and by the whole machine, to tell how much of a benchmark's time went to others:
// the benchmark machine may be shared.
type cpuSample struct {
	at                    time.Time
	server, self, machine time.Duration
}

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on every Linux fsbench runs on.
const clockTick = 10 * time.Millisecond

func sampleCPU(pid int) cpuSample {
	s := cpuSample{at: time.Now()}
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// The fields after the command name, which may hold spaces, start with the state
		// (field 3); utime and stime are fields 14 and 15.
		if i := strings.LastIndexByte(string(raw), ')'); i > 0 {
			f := strings.Fields(string(raw)[i+1:])
			if len(f) > 12 {
				s.server = ticks(f[11]) + ticks(f[12])
			}
		}
	}
	s.self = processCPU()
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(raw), "\n")
		f := strings.Fields(line)
		for i := 1; i < len(f); i++ {
			if i != 4 && i != 5 { // idle and iowait are not busy
				s.machine += ticks(f[i])
			}
		}
	}
	return s
}

func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * clockTick
}

// cpuUse describes the CPU used between two samples.
func cpuUse(a, b cpuSample) string {
	wall := b.at.Sub(a.at)
	server, self, machine := b.server-a.server, b.self-a.self, b.machine-a.machine
	others := max(0, machine-server-self)
	return fmt.Sprintf("CPU over %s on %d cores: server %.1f s, fsbench (clients) %.1f s, other processes %.1f s",
		wall.Round(100*time.Millisecond), runtime.NumCPU(), server.Seconds(), self.Seconds(), others.Seconds())
}

// processCPU returns the CPU time fsbench has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
