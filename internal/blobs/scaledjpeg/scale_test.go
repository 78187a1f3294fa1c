package scaledjpeg

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// testJPEG encodes a w×h image with gradients, edges and noise, in colour or grey.
func testJPEG(t testing.TB, w, h int, gray bool, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var img image.Image
	if gray {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				g.SetGray(x, y, color.Gray{uint8((x*3 + y + r.IntN(20)) % 256)})
			}
		}
		img = g
	} else {
		c := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				v := uint8(128 + 100*math.Sin(float64(x)/9)*math.Cos(float64(y)/13))
				c.SetRGBA(x, y, color.RGBA{v, uint8(x * 255 / w), uint8(y*255/h) ^ uint8(r.IntN(16)), 255})
			}
		}
		img = c
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// samples are the encodings Go's encoder does not make, written by libvips (libjpeg-turbo) from
// a 203×131 crop of a photo: progressive, restart intervals, 4:4:4. (The standard decoder
// refuses libjpeg-turbo's progressive files with restart markers, so this one does too.)
func samples(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, name := range []string{"progressive", "restart", "restart444"} {
		data, err := os.ReadFile(filepath.Join("testdata", name+".jpg"))
		if err != nil {
			t.Fatal(err)
		}
		out[name] = data
	}
	for _, gray := range []bool{false, true} {
		out[fmt.Sprintf("go gray=%v", gray)] = testJPEG(t, 203, 77, gray, 1)
	}
	return out
}

func TestDecodeScaled_FullSizeIsTheStandardDecoder(t *testing.T) {
	for name, data := range samples(t) {
		want, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Bounds() != want.Bounds() {
			t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
		}
		for y := range want.Bounds().Dy() {
			for x := range want.Bounds().Dx() {
				if got.At(x, y) != want.At(x, y) {
					t.Fatalf("%s: pixel (%d,%d) = %v, want %v", name, x, y, got.At(x, y), want.At(x, y))
				}
			}
		}
	}
}

// TestDecodeScaled_MatchesBoxDownsample checks each reduced size against the full decode
// averaged over the same footprint: a scaled IDCT is a better low-pass filter than a box, so
// the two differ a little at edges and agree elsewhere.
func TestDecodeScaled_MatchesBoxDownsample(t *testing.T) {
	all := samples(t)
	all["go 640x480"] = testJPEG(t, 640, 480, false, 2)
	for name, data := range all {
		full, err := Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		fw, fh := full.Bounds().Dx(), full.Bounds().Dy()
		for _, s := range []int{4, 2, 1} {
			img, err := DecodeScaled(bytes.NewReader(data), s)
			if err != nil {
				t.Fatal(err)
			}
			w, h := ScaledBounds(fw, fh, s)
			if img.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("size %d: bounds %v, want %dx%d", s, img.Bounds(), w, h)
			}
			if d := meanDiff(full, img, 8/s); d > 10 {
				t.Errorf("%s size %d: mean difference %.2f from a box downsample", name, s, d)
			}
		}
	}
}

// meanDiff is the mean absolute difference of luma between img and full box-averaged by f.
func meanDiff(full, img image.Image, f int) float64 {
	var sum float64
	b := img.Bounds()
	for y := range b.Dy() {
		for x := range b.Dx() {
			var acc float64
			for dy := range f {
				for dx := range f {
					acc += luma(full.At(x*f+dx, y*f+dy))
				}
			}
			sum += math.Abs(acc/float64(f*f) - luma(img.At(x, y)))
		}
	}
	return sum / float64(b.Dx()*b.Dy())
}

func luma(c color.Color) float64 {
	return float64(color.GrayModel.Convert(c).(color.Gray).Y)
}

func TestSizeFor(t *testing.T) {
	for _, c := range []struct{ w, h, min, want int }{
		{4000, 3000, 1600, 4}, {4000, 3000, 320, 1}, {1600, 1200, 1600, 8}, {3200, 2400, 1600, 4},
		{3198, 2400, 1600, 8}, {100, 100, 1600, 8}, {12800, 9600, 1600, 1},
	} {
		if got := SizeFor(c.w, c.h, c.min, c.min); got != c.want {
			t.Errorf("SizeFor(%d, %d, %d) = %d, want %d", c.w, c.h, c.min, got, c.want)
		}
	}
}

func TestDecodeScaled_RefusesOtherSizes(t *testing.T) {
	if _, err := DecodeScaled(bytes.NewReader(testJPEG(t, 8, 8, true, 3)), 3); err == nil {
		t.Fatal("size 3 decoded")
	}
}

// FuzzDecodeScaled feeds arbitrary bytes to every size: no input may panic, and a decoded
// image has the size its header declares, scaled.
func FuzzDecodeScaled(f *testing.F) {
	for _, data := range samples(f) {
		f.Add(data)
	}
	f.Add(testJPEG(f, 33, 17, false, 4))
	f.Add(testJPEG(f, 16, 9, true, 5))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width*cfg.Height > 1<<20 {
			return
		}
		for _, s := range []int{8, 4, 2, 1} {
			img, err := DecodeScaled(bytes.NewReader(data), s)
			if err != nil {
				continue
			}
			w, h := ScaledBounds(cfg.Width, cfg.Height, s)
			if img.Bounds() != image.Rect(0, 0, w, h) {
				t.Fatalf("size %d: bounds %v, want %dx%d", s, img.Bounds(), w, h)
			}
		}
	})
}
