package inspectorapp

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var writeIcons = flag.Bool("inspectorapp.icons", false, "rewrite ui/icons from the drawing in icons_test.go")

// TestIcons_AreTheDrawing: the committed icons are what drawIcon makes, so they can be
// regenerated (-inspectorapp.icons) and never drift from their source.
func TestIcons_AreTheDrawing(t *testing.T) {
	for _, ic := range []struct {
		name     string
		size     int
		maskable bool
	}{{"icon-192.png", 192, false}, {"icon-512.png", 512, false}, {"maskable-512.png", 512, true}} {
		path := filepath.Join("ui", "icons", ic.name)
		if *writeIcons {
			var buf bytes.Buffer
			if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, drawIcon(ic.size, ic.maskable)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		// Pixels, not bytes: another Go release may compress the same pixels otherwise.
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := drawIcon(ic.size, ic.maskable)
		if got.Bounds() != want.Bounds() || !samePixels(got, want) {
			t.Errorf("%s is not the drawing: go test ./internal/inspectorapp -run TestIcons -inspectorapp.icons", path)
		}
	}
}

// drawIcon draws the app's icon at size×size: a white magnifying glass on the district's blue,
// on a rounded square, or full-bleed with the glass inside the central safe circle (maskable).
// Each pixel is the coverage of 4×4 samples, so edges are smooth without a vector library.
func drawIcon(size int, maskable bool) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	blue := color.NRGBA{0x0b, 0x4f, 0x8a, 0xff}
	s := float64(size)
	scale := 1.0
	if maskable {
		scale = 0.72 // keep the glass inside the 80% safe zone
	}
	// Shapes in units of the icon's side, centred on (0.5, 0.5).
	inBackground := func(x, y float64) bool {
		if maskable {
			return true
		}
		r := 0.18 // corner radius
		cx, cy := math.Max(r, math.Min(1-r, x)), math.Max(r, math.Min(1-r, y))
		return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
	}
	inGlass := func(x, y float64) bool {
		x, y = 0.5+(x-0.5)/scale, 0.5+(y-0.5)/scale
		// The lens: a ring centred a little up and left.
		cx, cy := 0.44, 0.44
		d := math.Hypot(x-cx, y-cy)
		if d >= 0.17 && d <= 0.245 {
			return true
		}
		// The handle: a capsule from the ring towards the lower right.
		ax, ay, bx, by := 0.62, 0.62, 0.76, 0.76
		t := ((x-ax)*(bx-ax) + (y-ay)*(by-ay)) / ((bx-ax)*(bx-ax) + (by-ay)*(by-ay))
		t = math.Max(0, math.Min(1, t))
		return math.Hypot(x-(ax+t*(bx-ax)), y-(ay+t*(by-ay))) <= 0.055
	}
	const n = 4
	for py := range size {
		for px := range size {
			var bg, fg int
			for sy := range n {
				for sx := range n {
					x, y := (float64(px)+(float64(sx)+0.5)/n)/s, (float64(py)+(float64(sy)+0.5)/n)/s
					if inBackground(x, y) {
						bg++
						if inGlass(x, y) {
							fg++
						}
					}
				}
			}
			if bg == 0 {
				continue
			}
			// White over blue by the glass's share of the covered samples.
			f := float64(fg) / float64(bg)
			mix := func(a uint8) uint8 { return uint8(math.Round(float64(a)*(1-f) + 255*f)) }
			img.SetNRGBA(px, py, color.NRGBA{mix(blue.R), mix(blue.G), mix(blue.B), uint8(math.Round(255 * float64(bg) / n / n))})
		}
	}
	return img
}

func samePixels(a, b image.Image) bool {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.NRGBAModel.Convert(a.At(x, y)) != color.NRGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}
