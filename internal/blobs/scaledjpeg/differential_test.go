package scaledjpeg

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"
)

// dcTolerance is how far, in 8-bit levels of the Y (luma) channel, a block decoded at 1/8 may be
// from the mean of the same block decoded at full size, or at 1/2 or 1/4: at 1/8 a block is its
// DC coefficient alone, which is the block's mean, and the reduced inverse DCTs keep that mean,
// so only rounding separates them. Footprints on the image's right or bottom edge, and those
// holding a sample at 0 or 255 (where a decode may have clipped), are not compared.
const dcTolerance = 1

// matchesStandardDecoder is the fork's differential property against image/jpeg: whatever the
// standard decoder accepts, this one accepts too at every size, decodes to the same pixels at
// full size, and keeps each block's mean at 1/8, 1/4 and 1/2 (dcTolerance). Inputs the standard
// decoder refuses are only required not to panic or hang. How close a reduced size is to a box
// downsample of a real photo is TestDecodeScaled_MatchesBoxDownsample's.
func matchesStandardDecoder(t *testing.T, data []byte) {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width*cfg.Height > 1<<18 {
		return
	}
	want, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		for _, s := range []int{8, 4, 2, 1} {
			DecodeScaled(bytes.NewReader(data), s)
		}
		return
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the standard decoder accepts what this one refuses: %v", err)
	}
	if x, y, ok := samePixels(want, got); !ok {
		t.Fatalf("full size: pixel (%d,%d) = %v, standard decoder %v", x, y, got.At(x, y), want.At(x, y))
	}
	eighth, err := DecodeScaled(bytes.NewReader(data), 1)
	if err != nil {
		t.Fatalf("size 1 refused what full size decodes: %v", err)
	}
	if worst := worstLumaDiff(want, eighth, 8); worst > dcTolerance {
		t.Fatalf("size 1: a block is %.2f levels from its mean at full size", worst)
	}
	for _, s := range []int{4, 2} {
		img, err := DecodeScaled(bytes.NewReader(data), s)
		if err != nil {
			t.Fatalf("size %d refused what full size decodes: %v", s, err)
		}
		if worst := worstLumaDiff(img, eighth, s); worst > dcTolerance {
			t.Fatalf("size %d: a block's mean is %.2f levels from its DC at size 1", s, worst)
		}
	}
}

// worstLumaDiff is the largest difference between a Y sample of img and the mean of the f×f
// Y samples of full it stands for (full is a decode f times larger), over the footprints that
// lie wholly inside the image where neither decode has a sample at 0 or 255 (where it may have
// clipped). Images without a Y channel (CMYK decodes to RGBA) compare nothing.
func worstLumaDiff(full, img image.Image, f int) float64 {
	y := func(m image.Image, x, yy int) (float64, bool) {
		switch m := m.(type) {
		case *image.YCbCr:
			return float64(m.Y[m.YOffset(x, yy)]), true
		case *image.Gray:
			return float64(m.GrayAt(x, yy).Y), true
		}
		return 0, false
	}
	b, fb := img.Bounds(), full.Bounds()
	var worst float64
footprints:
	for py := range b.Dy() {
		for px := range b.Dx() {
			if (px+1)*f > fb.Dx() || (py+1)*f > fb.Dy() {
				continue
			}
			got, ok := y(img, px, py)
			if !ok || got == 0 || got == 255 {
				continue
			}
			var acc float64
			for dy := range f {
				for dx := range f {
					v, ok := y(full, px*f+dx, py*f+dy)
					if !ok || v == 0 || v == 255 {
						continue footprints
					}
					acc += v
				}
			}
			worst = max(worst, math.Abs(acc/float64(f*f)-got))
		}
	}
	return worst
}

// FuzzMatchesStandardDecoder runs the differential property under Go's fuzzer.
func FuzzMatchesStandardDecoder(f *testing.F) {
	for _, data := range differentialSeeds(f) {
		f.Add(data)
	}
	f.Fuzz(matchesStandardDecoder)
}

// TestMatchesStandardDecoder_MutatedInputs runs the differential property over seeded random
// corruptions of the samples (byte changes, bit flips, truncations, spliced segments), so that
// make test checks it on every commit: 3,000 inputs, 100,000 with FIELDSYNC_LONG=1. A decode
// that does not finish within 10 s fails as a hang.
func TestMatchesStandardDecoder_MutatedInputs(t *testing.T) {
	n := 3000
	if os.Getenv("FIELDSYNC_LONG") != "" {
		n = 100000
	}
	seeds := differentialSeeds(t)
	r := rand.New(rand.NewPCG(20261204, 13))
	for i := range n {
		data := mutate(r, seeds)
		done := make(chan struct{})
		var sub bool
		go func() {
			defer close(done)
			sub = t.Run("", func(t *testing.T) { matchesStandardDecoder(t, data) })
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("input %d: a decode did not finish in 10 s", i)
		}
		if !sub {
			os.WriteFile(os.TempDir()+"/scaledjpeg-failing.jpg", data, 0o644)
			t.Fatalf("input %d (%d bytes) fails the differential property", i, len(data))
		}
	}
}

// differentialSeeds are the samples and two small Go encodings.
func differentialSeeds(t testing.TB) [][]byte {
	var out [][]byte
	for _, data := range samples(t) {
		out = append(out, data)
	}
	out = append(out, testJPEG(t, 33, 17, false, 4), testJPEG(t, 16, 9, true, 5))
	slices.SortFunc(out, bytes.Compare) // map order must not change which inputs are drawn
	return out
}

// mutate corrupts a random seed in one to four places.
func mutate(r *rand.Rand, seeds [][]byte) []byte {
	d := slices.Clone(seeds[r.IntN(len(seeds))])
	for range 1 + r.IntN(4) {
		p := r.IntN(len(d))
		switch r.IntN(4) {
		case 0:
			d[p] = byte(r.IntN(256))
		case 1:
			d[p] ^= 1 << r.IntN(8)
		case 2:
			d = d[:p+1]
		case 3:
			src := seeds[r.IntN(len(seeds))]
			q := r.IntN(len(src))
			d = append(d[:p:p], src[q:min(len(src), q+1+r.IntN(64))]...)
		}
	}
	return d
}

// samePixels reports whether a and b have the same bounds and colours, and where they first
// differ.
func samePixels(a, b image.Image) (int, int, bool) {
	if a.Bounds() != b.Bounds() {
		return 0, 0, false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return x, y, false
			}
		}
	}
	return 0, 0, true
}

// TestReducedIDCT_MatchesDefinition checks the fixed-point reduced inverse DCTs against the
// transform's definition in float64: for s points, with c(0) = 1/√2 and c(u) = 1 otherwise,
//
//	f(x, y) = 1/4 · Σ_{u,v<s} c(u)c(v) F(u,v) cos((2x+1)uπ/2s) cos((2y+1)vπ/2s)
//
// (the 8-point normalisation, so the DC level is the block's mean), over random coefficient
// blocks in the range an 8-bit baseline JPEG carries, dequantized by a table whose entries all
// differ so that a coefficient read with the wrong quantizer shows. Only rounding may separate
// them.
func TestReducedIDCT_MatchesDefinition(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var qt block
	for i := range qt {
		qt[i] = int32(1 + i%13 + i/13) // 1..17, zig-zag order, neighbours differ
	}
	for range 20000 {
		var coef block
		for v := range 4 {
			for u := range 4 {
				lim := int32(1024)
				if u|v != 0 {
					lim = int32(64 >> (u + v)) // real blocks' AC shrink with frequency
				}
				coef[8*v+u] = r.Int32N(2*lim+1) - lim
			}
		}
		for _, s := range []int{1, 2, 4} {
			b := coef
			idctScaled(&b, &qt, s)
			for y := range s {
				for x := range s {
					var want float64
					for v := range s {
						for u := range s {
							f := float64(coef[8*v+u] * qt[zig[8*v+u]])
							cu, cv := 1.0, 1.0
							if u == 0 {
								cu = math.Sqrt2 / 2
							}
							if v == 0 {
								cv = math.Sqrt2 / 2
							}
							want += cu * cv * f *
								math.Cos(float64((2*x+1)*u)*math.Pi/float64(2*s)) *
								math.Cos(float64((2*y+1)*v)*math.Pi/float64(2*s))
						}
					}
					want /= 4
					if got := float64(b[s*y+x]); math.Abs(got-want) > 1 {
						t.Fatalf("size %d, coefficients %v: sample (%d,%d) = %v, definition %.2f", s, coef, x, y, got, want)
					}
				}
			}
		}
	}
}
